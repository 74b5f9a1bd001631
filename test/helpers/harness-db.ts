/**
 * The database of an end-to-end harness.
 *
 * By default one database serves harness after harness (per test worker on
 * PGlite, per test file on a Postgres server; see afterTestFile): it stays open, and is emptied (every table truncated, ids restarted) when the
 * next harness takes it — the same empty, migrated database a fresh one is,
 * without booting embedded Postgres (~1 s) or creating a database each time.
 * The CLI's in-process runs get that open store instead of opening their own.
 *
 * `reopen`: a fresh database that every CLI run opens and closes itself, as
 * the real CLI does — for tests of opening, locking and closing, and for
 * tests whose child processes open the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { acquireDirLock } from '../../src/store/lockfile.js';
import { openStore, pgliteOptions, pgliteStore, type OpenStoreOptions } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, dropTestDatabase, freshDatabase, testServerUrl } from './db.js';
import { copyPgliteTemplate, suiteScratchDir } from './pglite-template.js';

type Rows = Record<string, unknown>[];

export interface HarnessDb {
  dataDir: string;
  databaseUrl?: string;
  /** A fresh working directory for the CLI's runs (relative --out files land here). */
  cwd: string;
  /** What the CLI's runs open the database with; undefined: openStore, as the real CLI. */
  openStore?: (options: OpenStoreOptions) => Promise<Store>;
  /** The database, open, to read what a run recorded (closing it is a no-op). */
  store(): Promise<Store>;
  /** Closes what store() opened (reopen mode), so another process may open the database. */
  release(): Promise<void>;
  /** Raw SQL on the database (the secret scan reads every table). */
  sql(text: string): Promise<Rows>;
  /** Runs `fn` with raw SQL on one connection (the embedded database opened once for all its queries, not per query). */
  sqlSession<T>(fn: (sql: (text: string) => Promise<Rows>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const unclosable = (store: Store): Store => new Proxy(store, { get: (t, k) => (k === 'close' ? async () => {} : Reflect.get(t, k)) });

export async function harnessDb(opts: { reopen?: boolean } = {}): Promise<HarnessDb> {
  return opts.reopen ? reopenedDb() : pooledDb();
}

// --- one database per test process ------------------------------------------

interface Pooled {
  dataDir: string;
  databaseUrl?: string;
  store: Store;
  sql(text: string): Promise<Rows>;
  dispose(): Promise<void>;
}

let pool: Promise<Pooled> | undefined;
let taken = false;

/**
 * After every test file (test/setup/per-file.ts; modules are imported once per worker,
 * so a hook registered here would run after the first file only). On a Postgres server
 * each file gets its own database: this one is dropped. The embedded database serves
 * the worker's next file too (booting one costs a second or more, emptying it
 * milliseconds); its directory lies in the suite's scratch directory, which the
 * globalSetup removes at the end (workers are stopped without running exit hooks).
 */
export async function afterTestFile(): Promise<void> {
  taken = false;
  const p = pool;
  if (!p || !testServerUrl()) return;
  pool = undefined;
  await (await p.catch(() => undefined))?.dispose();
}

async function createPooled(): Promise<Pooled> {
  const server = testServerUrl();
  const home = mkdtempSync(join(await suiteScratchDir(), 'sus-pool-'));
  if (server) {
    const created = await createTestDatabase(server);
    const store = await openStore({ databaseUrl: created.databaseUrl, dataDir: home });
    const raw = postgres(created.databaseUrl, { max: 1, onnotice: () => {} });
    return {
      dataDir: home,
      databaseUrl: created.databaseUrl,
      store,
      sql: (text) => raw.unsafe(text) as Promise<Rows>,
      async dispose() {
        await store.close();
        await raw.end({ timeout: 5 });
        await dropTestDatabase(server, created.name);
        rmSync(home, { recursive: true, force: true });
      },
    };
  }
  const dataDir = join(home, 'db');
  await copyPgliteTemplate(dataDir);
  // The lock file, as openStore takes it: a child process pointed here by mistake fails instead of corrupting it.
  const lock = acquireDirLock(dataDir);
  const client = await PGlite.create(pgliteOptions(dataDir));
  const store = await pgliteStore(client, { lost: lock.lost, onClose: () => lock.release() });
  return {
    dataDir,
    store,
    sql: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    async dispose() {
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function emptied(p: Pooled): Promise<Pooled> {
  const [row] = await p.sql(`select string_agg(format('%I.%I', schemaname, tablename), ', ') as tables from pg_tables where schemaname = 'public'`);
  if (row?.tables) await p.sql(`truncate ${String(row.tables)} restart identity cascade`);
  return p;
}

async function pooledDb(): Promise<HarnessDb> {
  // Two harnesses open at once in one test: the second gets a database of its own.
  if (taken) return reopenedDb({ shareAcrossRuns: true });
  taken = true;
  let p: Pooled;
  try {
    p = await emptied(await (pool ??= createPooled()));
  } catch (err) {
    taken = false;
    pool = undefined;
    throw err;
  }
  const cwd = mkdtempSync(join(tmpdir(), 'sus-cwd-'));
  const same = (o: OpenStoreOptions) => o.dataDir === p.dataDir && o.databaseUrl === p.databaseUrl;
  return {
    dataDir: p.dataDir,
    ...(p.databaseUrl ? { databaseUrl: p.databaseUrl } : {}),
    cwd,
    openStore: async (o) => (same(o) ? unclosable(p.store) : openStore(o)),
    store: async () => unclosable(p.store),
    release: async () => {},
    sql: (text) => p.sql(text),
    sqlSession: (fn) => fn((text) => p.sql(text)),
    async close() {
      rmSync(cwd, { recursive: true, force: true });
      // A run still holding the run lock (a test that did not wait for it) would carry over: start anew.
      if (await p.store.runLockHolder()) {
        pool = undefined;
        await p.dispose();
      }
      taken = false;
    },
  };
}

// --- a fresh database --------------------------------------------------------

async function reopenedDb(opts: { shareAcrossRuns?: boolean } = {}): Promise<HarnessDb> {
  const db = await freshDatabase();
  let dataDir = db.dataDir;
  if (!db.databaseUrl) {
    dataDir = join(db.dataDir, 'db');
    await copyPgliteTemplate(dataDir);
  }
  const own: OpenStoreOptions = { dataDir, ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}) };
  let open: Promise<Store> | undefined;
  const store = async () => unclosable(await (open ??= openStore(own)));
  const release = async () => {
    const o = open;
    open = undefined;
    if (o) await (await o.catch(() => undefined))?.close();
  };
  async function session<T>(fn: (sql: (text: string) => Promise<Rows>) => Promise<T>): Promise<T> {
    if (db.databaseUrl) {
      const raw = postgres(db.databaseUrl, { max: 1, onnotice: () => {} });
      try {
        return await fn(async (text) => (await raw.unsafe(text)) as Rows);
      } finally {
        await raw.end({ timeout: 5 });
      }
    }
    // The embedded database admits one client: what store() opened goes first.
    await release();
    const client = await PGlite.create(pgliteOptions(dataDir));
    try {
      return await fn(async (text) => (await client.query<Record<string, unknown>>(text)).rows);
    } finally {
      await client.close();
    }
  }
  return {
    dataDir,
    ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
    cwd: db.dataDir,
    ...(opts.shareAcrossRuns
      ? { openStore: (o: OpenStoreOptions) => (o.dataDir === own.dataDir && o.databaseUrl === own.databaseUrl ? store() : openStore(o)) }
      : {}),
    store,
    release,
    sql: (text) => session((sql) => sql(text)),
    sqlSession: session,
    async close() {
      await release();
      await db.cleanup();
    },
  };
}
