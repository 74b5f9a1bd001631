import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/open.js';
import { expectFreshSchema } from '../helpers/fresh-schema.js';
import { copyPgliteTemplate } from '../helpers/pglite-template.js';

// Embedded-database behaviour: always PGlite, whatever TEST_DATABASE_URL says.
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('PGlite store', () => {
  it('creates the data directory and the schema on first use, and keeps data across close and reopen', async () => {
    const base = await mkdtemp(join(tmpdir(), 'sus-pglite-'));
    dirs.push(base);
    const dataDir = join(base, 'nested', 'data'); // does not exist yet

    // initdb, the migrations, and doing it again changes nothing (as store/migrations.test.ts checks on a server).
    await expectFreshSchema({ dataDir });
    const s1 = await openStore({ dataDir });
    expect(s1.kind).toBe('pglite');
    const runId = await s1.createRun('apply', new Date('2024-02-03T04:05:06.789Z'));
    await s1.updateRun(runId, { status: 'succeeded', summary: { invite: 1, update_role: 0, delete: 0, unchanged: 3, skipped: 0, failed: 0, withheld: 0 } });
    await s1.replaceSecodaSnapshot([
      { key: 'ada@x.io', id: 's1', name: 'Ada L', email: 'ada@x.io', role: 'admin', pending: false },
    ]);
    await s1.close();
    await s1.close(); // idempotent

    // Closed means closed: operations fail cleanly, ping says no.
    expect(await s1.ping()).toBe(false);
    await expect(s1.getRun(runId)).rejects.toBeInstanceOf(StoreError);

    // The directory can be opened again in the same process once closed.
    const s2 = await openStore({ dataDir });
    try {
      const run = await s2.getRun(runId);
      expect(run?.status).toBe('succeeded');
      expect(run?.startedAt).toEqual(new Date('2024-02-03T04:05:06.789Z'));
      expect(run?.summary?.unchanged).toBe(3);
      expect((await s2.listSecodaSnapshot()).map((u) => u.email)).toEqual(['ada@x.io']);
      expect(await s2.ping()).toBe(true);
    } finally {
      await s2.close();
    }
  });

  it('opened in the background, answers at once and runs each operation once the database is up', async () => {
    const base = await mkdtemp(join(tmpdir(), 'sus-pglite-'));
    dirs.push(base);
    const dataDir = join(base, 'data');
    await copyPgliteTemplate(dataDir);
    const store = await openStore({ dataDir, background: true });
    try {
      const runId = await store.createRun('dry-run');
      expect((await store.latestRun())?.id).toBe(runId);
    } finally {
      await store.close();
    }
  });

  it('opened in the background on a database that cannot start, fails each operation with why and frees the directory', async () => {
    const base = await mkdtemp(join(tmpdir(), 'sus-pglite-'));
    dirs.push(base);
    const dataDir = join(base, 'data');
    await mkdir(dataDir);
    // A data directory of another Postgres major version: PGlite refuses it.
    await writeFile(join(dataDir, 'PG_VERSION'), '9\n');
    const store = await openStore({ dataDir, background: true });
    const why = `cannot open the embedded database in ${dataDir}: `;
    const failed = await store.latestRun().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(StoreError);
    expect((failed as StoreError).message.startsWith(why)).toBe(true);
    await expect(store.createRun('apply')).rejects.toThrow(why);
    await store.close();
    // The directory's lock went with it: opening again says the same, not "in use by another process".
    await expect(openStore({ dataDir })).rejects.toThrow(why);
  });
});
