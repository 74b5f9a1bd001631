import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSyncConfig, readEnv } from '../../src/config/load.js';
import { VARIABLES } from '../../src/config/variables.js';

const base = { ORG_API_URL: 'https://org.example.com/v1', ORG_API_TOKEN: 'org-token-123', SECODA_API_KEY: 'sec-key-456' };

function problems(env: Record<string, string>): string[] {
  try {
    loadSyncConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadSyncConfig(base);
    expect(c.secoda.url).toBe('https://api.secoda.co');
    expect(c.secoda.writeRate).toEqual({ limit: 30, windowMs: 60_000 });
    expect(c.secoda.readRate).toEqual({ limit: 10, windowMs: 1_000 });
    expect(c.org.rate).toEqual({ limit: 10, windowMs: 1_000 });
    expect(c.maxDeletes).toBe(25);
    expect(c.maxDeletePercent).toBe(20);
    expect(c.maxConcurrency).toBe(4);
    expect(c.retryLimit).toBe(5);
    expect(c.httpTimeoutMs).toBe(30_000);
    expect(c.defaultRole).toBe('viewer');
    expect(c.roleMap.map((p) => `${p.from}:${p.to}`)).toEqual(['admin:admin', 'developer:editor', 'analyst:viewer']);
    expect(c.dataDir).toBe('./.data');
  });

  it('names every missing required variable at once', () => {
    try {
      loadSyncConfig({});
      expect.unreachable();
    } catch (err) {
      const text = (err as Error).message;
      for (const name of ['ORG_API_URL', 'ORG_API_TOKEN', 'SECODA_API_KEY']) expect(text).toContain(name);
    }
  });

  it('names the bad variable for malformed values', () => {
    expect(problems({ SECODA_WRITE_RATE: '30 per minute' })[0]).toMatch(/^SECODA_WRITE_RATE must look like/);
    expect(problems({ MAX_DELETES: '-1' })[0]).toMatch(/^MAX_DELETES must be a whole number/);
    expect(problems({ MAX_DELETE_PERCENT: '120' })[0]).toMatch(/^MAX_DELETE_PERCENT/);
    expect(problems({ ROLE_MAP: 'admin:owner' })[0]).toMatch(/^ROLE_MAP maps "admin" to "owner"/);
    expect(problems({ ROLE_MAP: 'admin' })[0]).toMatch(/^ROLE_MAP has a malformed entry/);
    expect(problems({ DEFAULT_ROLE: 'guest' })[0]).toMatch(/^DEFAULT_ROLE must be one of/);
    expect(problems({ HTTP_TIMEOUT: 'soon' })[0]).toMatch(/^HTTP_TIMEOUT/);
    expect(problems({ MAX_CONCURRENCY: '0' })[0]).toMatch(/^MAX_CONCURRENCY must be at least 1/);
    expect(problems({ DATABASE_URL: 'mysql://u:p@h/db' })[0]).toMatch(/^DATABASE_URL must start with postgres/);
    expect(problems({ PROTECTED_EMAILS: 'ceo' })[0]).toMatch(/^PROTECTED_EMAILS/);
    expect(problems({ LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL/);
  });

  it('never echoes credentials from a URL', () => {
    const p = problems({ ORG_API_URL: 'https://user:hunter22@org.example.com/v1' });
    expect(p[0]).toMatch(/^ORG_API_URL must not carry credentials/);
    expect(p.join()).not.toContain('hunter22');
  });

  it('parses rates, durations and DEFAULT_ROLE=none', () => {
    const c = loadSyncConfig({ ...base, SECODA_READ_RATE: '5/s', ORG_RATE: '100/h', HTTP_TIMEOUT: '500ms', DEFAULT_ROLE: 'none', SECODA_API_URL: 'https://eapi.secoda.co/' });
    expect(c.secoda.readRate).toEqual({ limit: 5, windowMs: 1_000 });
    expect(c.org.rate).toEqual({ limit: 100, windowMs: 3_600_000 });
    expect(c.httpTimeoutMs).toBe(500);
    expect(c.defaultRole).toBeNull();
    expect(c.secoda.url).toBe('https://eapi.secoda.co');
  });

  it('reads .env from the working directory, with real environment variables winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sus-env-'));
    writeFileSync(join(dir, '.env'), 'ORG_API_TOKEN=from-file\nMAX_DELETES=7\n');
    const env = readEnv({ MAX_DELETES: '9' }, dir);
    expect(env.ORG_API_TOKEN).toBe('from-file');
    expect(env.MAX_DELETES).toBe('9');
  });

  it('ORG_ROLES_FROM: auto by default, list or user (any case); anything else names the variable', () => {
    expect(loadSyncConfig(base).org.rolesFrom).toBe('auto');
    expect(loadSyncConfig({ ...base, ORG_ROLES_FROM: 'User' }).org.rolesFrom).toBe('user');
    expect(loadSyncConfig({ ...base, ORG_ROLES_FROM: 'list' }).org.rolesFrom).toBe('list');
    expect(problems({ ORG_ROLES_FROM: 'both' })).toEqual(['ORG_ROLES_FROM must be one of auto, list, user (got "both")']);
  });

  it('.env.example lists every variable with its default', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const v of VARIABLES) {
      const line = example.split('\n').find((l) => l.replace(/^#\s*/, '').startsWith(`${v.name}=`));
      expect(line, `${v.name} missing from .env.example`).toBeDefined();
      if (v.default) expect(line).toContain(`${v.name}=${v.default}`);
    }
  });
});
