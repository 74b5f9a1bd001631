import { describe, expect, it } from 'vitest';
import { databaseUrlScrubber, redactDatabaseUrl, StoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/open.js';
import { createTestDbConfig, testServerUrl } from '../helpers/db.js';

const SECRET = 'Sup3r-s3cret_pw';

describe('redactDatabaseUrl', () => {
  it.each([
    [`postgres://app:${SECRET}@db.internal:5432/sync`, 'postgres://app:***@db.internal:5432/sync'],
    [`postgresql://app:${SECRET}@db.internal/sync?sslmode=require`, 'postgresql://app:***@db.internal/sync?sslmode=require'],
    ['postgres://app:p%40ss%2Fw0rd@h/db', 'postgres://app:***@h/db'],
    [`postgres://app@h/db?password=${SECRET}&sslmode=require`, 'postgres://app@h/db?password=***&sslmode=require'],
    ['postgres://postgres@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/test'],
    [`not a url://app:${SECRET}@h/db`, `not a url://app:${SECRET}@h/db`.replace(SECRET, '***')],
    [`postgres://app:${SECRET}@[bad/db`, 'postgres://app:***@[bad/db'],
    // Unencoded special characters in the password: never shown, even partly.
    [`postgres://app:${SECRET}@#/?x@h:5432/db`, 'postgres://app:***@h:5432/db'],
    [`postgres://app:12/${SECRET}@h/db`, 'postgres://app:***@h/db'],
    ['postgres://h:5432/db', 'postgres://h:5432/db'],
  ])('%s', (input, expected) => {
    const out = redactDatabaseUrl(input);
    expect(out).toBe(expected);
    expect(out).not.toContain(SECRET);
  });

  it('scrubs the password, raw or decoded, and the URL from free text', () => {
    const url = 'postgres://app:p%40ss@h/db';
    const scrub = databaseUrlScrubber(url);
    expect(scrub(`connect ${url} failed (p@ss, p%40ss)`)).toBe('connect postgres://app:***@h/db failed (***, ***)');
  });
});

describe('connection errors', () => {
  it('a refused connection is a StoreError naming the redacted URL, with no password anywhere', async () => {
    const cfg = await createTestDbConfig();
    try {
      const url = `postgres://sync_user:${SECRET}@127.0.0.1:1/sync`;
      const err = await openStore({ databaseUrl: url, dataDir: cfg.dataDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      const e = err as StoreError;
      expect(e.message).toContain('postgres://sync_user:***@127.0.0.1:1/sync');
      expect(e.code).toBe('ECONNREFUSED');
      // Nothing reachable from the error carries the secret (no driver error attached).
      expect(e.cause).toBeUndefined();
      const everything = JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e.stack) + String(e);
      expect(everything).not.toContain(SECRET);
    } finally {
      await cfg.cleanup();
    }
  });

  it('a malformed URL is a StoreError without the password', async () => {
    const err = await openStore({ databaseUrl: `mysql://u:${SECRET}@h/db`, dataDir: '/nonexistent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(String((err as Error).message)).not.toContain(SECRET);
    expect(String((err as Error).message)).toContain('mysql://u:***@h/db');
  });

  it.skipIf(!testServerUrl())('a database that does not exist: StoreError with the server message, no password', async () => {
    const u = new URL(testServerUrl()!);
    u.password = SECRET;
    u.pathname = '/sus_no_such_database_x';
    const err = await openStore({ databaseUrl: u.toString(), dataDir: '/nonexistent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.message).toMatch(/does not exist/);
    expect(e.code).toBe('3D000');
    expect(e.message + String(e.stack)).not.toContain(SECRET);
  });
});
