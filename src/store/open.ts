/**
 * openStore: DATABASE_URL -> real Postgres (postgres.js), otherwise embedded
 * PGlite in dataDir. Migrations run on open (idempotent; under an advisory
 * lock on Postgres).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type postgres from 'postgres';
import { describeCause, databaseUrlScrubber, redactDatabaseUrl, StoreError } from './errors.js';
import { defaultMigrationsFolder, LATEST_APPLIED_SQL, migratePglite, migratePostgres, schemaIsCurrent } from './migrate.js';
import { acquireDirLock, type DirLock } from './lockfile.js';
import { openPgliteThread, type PgliteClient } from './pglite-thread.js';
import { createQueryStore } from './queries.js';
import { LEADER_LOCK_KEY, memoryRunLocker, postgresRunLocker, RUN_LOCK_KEY, type RunLocker } from './run-lock.js';
import type { Store, StoreOptions } from './types.js';

export interface OpenStoreOptions extends StoreOptions {
  /** Folder of the drizzle-kit migrations; default: drizzle/ at the package root. */
  migrationsFolder?: string;
  /** Skip running migrations (the schema must already be current). */
  skipMigrations?: boolean;
  /** postgres.js pool size (default 10). */
  poolSize?: number;
  /**
   * Embedded database: answer once its directory is locked, while it starts
   * and migrates on its thread (~0.3 s); every statement waits for that, and
   * fails with why it could not. For a one-shot run, which reads the org
   * meanwhile (src/app/reconcile.ts). A server is connected to at once either way.
   */
  background?: boolean;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const migrationsFolder = opts.migrationsFolder ?? defaultMigrationsFolder();
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, migrationsFolder, opts);
  return openPglite(opts.dataDir, migrationsFolder, opts);
}

/**
 * Brings the database's schema up to date and returns. What the `migrate`
 * command calls; openStore does the same on every open.
 */
export async function runMigrations(opts: OpenStoreOptions): Promise<void> {
  const store = await openStore({ ...opts, skipMigrations: false });
  await store.close();
}

async function openPostgres(databaseUrl: string, migrationsFolder: string, opts: OpenStoreOptions): Promise<Store> {
  const scrub = databaseUrlScrubber(databaseUrl);
  const where = redactDatabaseUrl(databaseUrl);
  const fail = (err: unknown, what: string): never => {
    if (err instanceof StoreError) throw err;
    const { message, code } = describeCause(err);
    throw new StoreError(`${what} ${where}: ${scrub(message)}`, code);
  };

  if (!/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new StoreError(`DATABASE_URL must be a postgres:// or postgresql:// URL, got ${where}`, 'E_BAD_URL');
  }

  // postgres.js is loaded by this backend only: an embedded-store run does not pay its start-up.
  const [{ default: postgresClient }, { drizzle: drizzlePostgres }] = await Promise.all([import('postgres'), import('drizzle-orm/postgres-js')]);
  let client: postgres.Sql;
  try {
    client = postgresClient(databaseUrl, {
      max: opts.poolSize ?? 10,
      onnotice: () => {},
      connect_timeout: 10,
      connection: { application_name: 'secoda-user-sync' },
    });
  } catch (err) {
    return fail(err, 'cannot connect to the database at');
  }
  const db = drizzlePostgres({ client });
  const store = withRunLock(createQueryStore(db, {
    kind: 'postgres',
    scrub,
    close: () => client.end({ timeout: 5 }),
  }), postgresRunLocker(databaseUrl, scrub, RUN_LOCK_KEY), postgresRunLocker(databaseUrl, scrub, LEADER_LOCK_KEY));
  // Nothing has connected yet: fail now, with a clear message, rather than on the first query.
  try {
    if (opts.skipMigrations) await client`select 1`;
    else if (!(await schemaIsCurrent(async () => (await client.unsafe(LATEST_APPLIED_SQL))[0]?.at, migrationsFolder))) {
      await migratePostgres(databaseUrl, migrationsFolder);
    }
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    fail(err, opts.skipMigrations ? 'cannot connect to the database at' : 'cannot migrate the database at');
  }
  return store;
}

type LockMethods = 'tryRunLock' | 'runLockHolder' | 'tryLeaderLock' | 'leaderLockHolder';

function withRunLock(store: Omit<Store, LockMethods>, run: RunLocker, leader: RunLocker): Store {
  return Object.assign(store, {
    tryRunLock: (label: string) => run.tryAcquire(label),
    runLockHolder: () => run.holder(),
    tryLeaderLock: (label: string) => leader.tryAcquire(label),
    leaderLockHolder: () => leader.holder(),
  });
}

/** Shared buffers of the embedded database (see openPglite). */
const PGLITE_SHARED_BUFFERS = '16MB';

/** How the embedded database is started, here and wherever tests open one directly. */
export const pgliteOptions = (dataDir: string) => ({ dataDir, postgresqlconf: [`shared_buffers = ${PGLITE_SHARED_BUFFERS}`] });

async function openPglite(dataDir: string, migrationsFolder: string, opts: OpenStoreOptions): Promise<Store> {
  const dir = resolve(dataDir);
  let client: ReturnType<typeof openPgliteThread>;
  let dirLock: DirLock | undefined;
  const unlock = () => dirLock?.release();
  try {
    mkdirSync(dir, { recursive: true });
    dirLock = acquireDirLock(dir);
    // Postgres's default 128 MB of shared buffers is most of an embedded store's memory (it lives in
    // this process): 100k-user snapshots fit in far less. 16 MB rather than 32 MB: 20-40 MB less peak
    // RSS on the 100k x 100k full pull, no slower (bench `pull`, back to back).
    // On a thread of its own, so that its statements do not hold up the run's (./pglite-thread.ts).
    // drizzle's driver loads meanwhile (pgliteStore imports it; ~40 ms of PGlite's modules).
    import('drizzle-orm/pglite').catch(() => {});
    client = openPgliteThread(pgliteOptions(dir));
  } catch (err) {
    unlock();
    throw openFailure(err, `cannot open the embedded database in ${dir}`);
  }
  const opened = (async () => {
    try {
      await client.ready;
    } catch (err) {
      throw openFailure(err, `cannot open the embedded database in ${dir}`);
    }
    try {
      const latestApplied = async () => (await client.query<{ at: unknown }>(LATEST_APPLIED_SQL)).rows[0]?.at;
      if (!opts.skipMigrations && !(await schemaIsCurrent(latestApplied, migrationsFolder))) await migratePglite(client, migrationsFolder);
    } catch (err) {
      throw openFailure(err, `cannot migrate the embedded database in ${dir}`);
    }
  })().catch(async (err: unknown) => {
    await client.close().catch(() => {});
    unlock();
    throw err;
  });
  if (opts.background) opened.catch(() => {});
  else await opened;
  // Losing the lock file (removed, or taken over) loses the run lock and the leadership with it.
  return pgliteStore(client, { lost: dirLock!.lost, onClose: unlock, opened });
}

function openFailure(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const { message, code } = describeCause(err);
  return new StoreError(`${what}: ${message}`, code);
}

/**
 * The Store over an open, migrated PGlite client; closing the store closes the client. `lost` resolves
 * (with why) when another process may have taken the database: the run lock and the leadership go with it.
 */
export async function pgliteStore(
  client: PGlite | PgliteClient, opts: { lost?: Promise<string>; onClose?: () => void; opened?: Promise<void> } = {},
): Promise<Store> {
  // Loaded by this backend only, like postgres.js: drizzle's PGlite driver imports PGlite's modules (~40 ms).
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  // A PgliteClient answers all that the driver asks of a PGlite (see ./pglite-thread.ts).
  return withRunLock(createQueryStore(drizzlePglite({ client: client as PGlite }), {
    kind: 'pglite',
    ...('stopped' in client ? { broken: client.stopped } : {}),
    scrub: (t) => t,
    ...(opts.opened ? { opened: opts.opened } : {}),
    close: async () => {
      if (!client.closed) await client.close();
      opts.onClose?.();
    },
  }), memoryRunLocker(opts.lost), memoryRunLocker(opts.lost));
}
