import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { defaultMigrationsFolder, MIGRATION_LOCK_KEY } from '../../src/store/migrate.js';
import { openStore, pgliteOptions, runMigrations } from '../../src/store/open.js';
import { createTestDbConfig, type TestDbConfig, testServerUrl } from '../helpers/db.js';
import { expectFreshSchema, rawSession } from '../helpers/fresh-schema.js';
import { copyPgliteTemplate } from '../helpers/pglite-template.js';

const rawQuery = <T = Record<string, unknown>>(cfg: TestDbConfig, text: string): Promise<T[]> => rawSession(cfg, (query) => query<T>(text));

const configs: TestDbConfig[] = [];
/** A fresh, empty database: on PGlite an empty data directory (the first open runs initdb). */
async function freshConfig(): Promise<TestDbConfig> {
  const cfg = await createTestDbConfig();
  configs.push(cfg);
  return cfg;
}

/**
 * An empty database with no schema yet, for the cases that are not about
 * creating one: on PGlite a copy of the suite's migrated template with every
 * schema dropped (initdb takes seconds; this, a fraction of one).
 */
async function emptyConfig(): Promise<TestDbConfig> {
  const cfg = await freshConfig();
  if (cfg.databaseUrl) return cfg;
  await copyPgliteTemplate(cfg.dataDir);
  const db = await PGlite.create(pgliteOptions(cfg.dataDir));
  try {
    await db.exec('drop schema drizzle cascade; drop schema public cascade; create schema public');
  } finally {
    await db.close();
  }
  return cfg;
}
afterEach(async () => {
  await Promise.all(configs.splice(0).map((c) => c.cleanup()));
});

describe('migrations', () => {
  it('finds drizzle/ at the repo root by default', async () => {
    const folder = defaultMigrationsFolder();
    expect(folder.endsWith(join('main', 'drizzle')) || folder.endsWith('drizzle')).toBe(true);
    expect(await readdir(join(folder, 'meta'))).toContain('_journal.json');
  });

  // On PGlite, store/pglite.test.ts runs this check on a first open of an empty directory (initdb takes seconds).
  it.skipIf(!testServerUrl())('creates the schema on an empty database, and is idempotent', async () => {
    await expectFreshSchema(await freshConfig());
  });

  it('0002 turns the per-run copies of the org (org_users) into versions every run reads back the same', async () => {
    const cfg = await emptyConfig();
    // The database as the version before 0002 left it.
    const before = await mkdtemp(join(tmpdir(), 'sus-drizzle-0001-'));
    try {
      await cp(defaultMigrationsFolder(), before, { recursive: true });
      const journalFile = join(before, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalFile, 'utf8'));
      journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0002');
      await writeFile(journalFile, JSON.stringify(journal));
      await runMigrations({ ...cfg, migrationsFolder: before });
      await rawSession(cfg, async (query) => {
        const created = await query<{ id: number }>(`insert into runs (mode, status) select 'apply', 'succeeded' from generate_series(1, 5) returning id`);
        const [r1, r2, r3, r4, r5] = created.map((r) => r.id).sort((a, b) => a - b) as [number, number, number, number, number];
        const u = (n: number, roles = "'{analyst}'") => `'o-${n}', 'p${n}@x.io', 'P ${n}', ${roles}`;
        const A = [u(1, "'{admin,developer}'"), u(1, "'{admin,developer}'"), u(2), u(3)];
        const B = [u(1, "'{admin,developer}'"), u(2), u(4)];
        const values = [[r1, A], [r2, A], [r3, B], [r5, A]].flatMap(([run, rows]) =>
          (rows as string[]).map((row, position) => `(${run}, ${position}, ${row})`));
        await query(`insert into org_users (run_id, position, id, email, name, roles) values ${values.join(', ')}`);
      });
    } finally {
      await rm(before, { recursive: true, force: true });
    }

    const store = await openStore(cfg);
    try {
      const runs = (await store.listRuns(10)).map((r) => r.id).sort((a, b) => a - b);
      const [r1, r2, r3, r4, r5] = runs as [number, number, number, number, number];
      const p = (n: number, roles = ['analyst']) => ({ id: `o-${n}`, email: `p${n}@x.io`, name: `P ${n}`, roles });
      const A = [p(1, ['admin', 'developer']), p(1, ['admin', 'developer']), p(2), p(3)];
      const B = [p(1, ['admin', 'developer']), p(2), p(4)];
      const key = (x: object) => JSON.stringify(x);
      for (const [run, users] of [[r1, A], [r2, A], [r3, B], [r4, []], [r5, A]] as const) {
        expect((await store.listOrgSnapshot(run)).map(key).sort(), `run ${run}`).toEqual(users.map(key).sort());
        expect(await store.countOrgSnapshot(run)).toBe(users.length);
      }
      // One row per unbroken stretch: o-1 (both copies' first), o-2 throughout; the second o-1 and o-3 left and came back; o-4 once.
      expect(await store.orgSnapshotSize()).toMatchObject({ versions: 4, rows: 7 });
      // A new run pulling the last list again adds nothing.
      const next = await store.createRun('apply');
      await store.saveOrgSnapshot(next, A);
      expect(await store.orgSnapshotSize()).toMatchObject({ versions: 4, rows: 7 });
      expect((await store.listOrgSnapshot(next)).map(key).sort()).toEqual(A.map(key).sort());
    } finally {
      await store.close();
    }
  });

  it('0003 keeps the Secoda snapshot as members: "First Last" names, service_account', async () => {
    const cfg = await emptyConfig();
    // The database as the version before 0003 left it.
    const before = await mkdtemp(join(tmpdir(), 'sus-drizzle-0002-'));
    try {
      await cp(defaultMigrationsFolder(), before, { recursive: true });
      const journalFile = join(before, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalFile, 'utf8'));
      journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0003');
      await writeFile(journalFile, JSON.stringify(journal));
      await runMigrations({ ...cfg, migrationsFolder: before });
      await rawQuery(cfg, `insert into secoda_users (id, email, first_name, last_name, role, pending, is_service_account, disabled) values
        ('s1', 'ada@x.io', 'Ada', 'King Lovelace', 'admin', false, false, false),
        ('s2', 'cher@x.io', 'Cher', '', 'viewer', true, false, false),
        ('s3', 'bot@x.io', '', 'Bot', 'editor', false, true, true)`);
    } finally {
      await rm(before, { recursive: true, force: true });
    }

    const store = await openStore(cfg);
    try {
      expect(await store.listSecodaSnapshot()).toEqual([
        { id: 's1', email: 'ada@x.io', name: 'Ada King Lovelace', role: 'admin', pending: false, serviceAccount: false, disabled: false },
        { id: 's3', email: 'bot@x.io', name: 'Bot', role: 'editor', pending: false, serviceAccount: true, disabled: true },
        { id: 's2', email: 'cher@x.io', name: 'Cher', role: 'viewer', pending: true, serviceAccount: false, disabled: false },
      ]);
    } finally {
      await store.close();
    }
  });

  it('fails with a StoreError when the migrations folder is missing', async () => {
    const cfg = await emptyConfig();
    const err = await openStore({ ...cfg, migrationsFolder: join(cfg.dataDir, 'nope') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toMatch(/_journal\.json/);
  });

  it.skipIf(!testServerUrl())('two processes migrating the same fresh Postgres database at once both succeed', async () => {
    const cfg = await freshConfig();
    const stores = await Promise.all([1, 2, 3].map(() => openStore(cfg)));
    try {
      const ids = await Promise.all(stores.map((s) => s.createRun('apply')));
      expect(new Set(ids).size).toBe(3);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    const applied = await rawQuery<{ n: number }>(cfg, `select count(*)::int as n from drizzle.__drizzle_migrations`);
    const journal = (await readdir(defaultMigrationsFolder())).filter((f) => f.endsWith('.sql'));
    expect(applied[0].n).toBe(journal.length);
    // The lock was released: nobody holds advisory locks on that database any more.
    const locks = await rawQuery<{ n: number }>(
      cfg,
      `select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`,
    );
    expect(locks[0].n).toBe(0);
  });

  it.skipIf(!testServerUrl())('an open that finds the schema current runs no migrator (it would wait for the migration lock)', async () => {
    const cfg = await freshConfig();
    await runMigrations(cfg);
    const holder = postgres(cfg.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      // Another process migrating: the migrator waits for this lock; a run that needs no migration must not.
      await holder`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
      const opened = openStore(cfg);
      const waited = await Promise.race([opened.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 2_000))]);
      expect(waited, 'openStore waited for the migration lock on a current schema').toBe(false);
      await (await opened).close();
    } finally {
      await holder.end({ timeout: 5 });
    }
  });

  it('drizzle/ is in sync with src/store/schema.ts (drizzle-kit generate finds nothing to do)', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'sus-drizzle-'));
    try {
      await cp(defaultMigrationsFolder(), tmp, { recursive: true });
      const before = (await readdir(tmp)).sort();
      const root = join(defaultMigrationsFolder(), '..');
      const bin = join(root, 'node_modules', '.bin', 'drizzle-kit');
      // drizzle-kit prefixes --out with "./": give it a path relative to the root. It exits 0 on errors too.
      const { stdout, stderr } = await promisify(execFile)(
        bin,
        ['generate', '--dialect', 'postgresql', '--schema', './src/store/schema.ts', '--out', relative(root, tmp)],
        { cwd: root },
      );
      expect(stdout + stderr).toMatch(/No schema changes/);
      expect((await readdir(tmp)).sort()).toEqual(before);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
