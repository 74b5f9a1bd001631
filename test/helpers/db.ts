/**
 * Fresh databases for tests.
 *
 * Default: embedded PGlite in a fresh temp directory.
 * With TEST_DATABASE_URL (any database on a real Postgres server, e.g.
 * postgres://postgres@127.0.0.1:5432/postgres): a fresh database
 * `sus_test_<random>` is created on that server through a maintenance
 * connection to the URL, and dropped on cleanup — every test file gets its
 * own database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { createScratchDatabase, dropScratchDatabase } from '../../tools/db/scratch.js';
import type { Store } from '../../src/store/types.js';
import { copyPgliteTemplate } from './pglite-template.js';

export interface TestDbConfig {
  /** Set when TEST_DATABASE_URL is: the URL of the fresh database. */
  databaseUrl?: string;
  /** Fresh temp directory (the PGlite data dir when databaseUrl is unset). */
  dataDir: string;
  /** Environment for a child process (CLI) to use this database. */
  env: { DATABASE_URL?: string; DATA_DIR: string };
  /** Drops the database / removes the directory. Idempotent. */
  cleanup(): Promise<void>;
}

export interface TestStore {
  store: Store;
  databaseUrl?: string;
  dataDir: string;
  /** Closes the store, then drops the database / removes the directory. Idempotent. */
  cleanup(): Promise<void>;
}

/** The server to create test databases on, or undefined for PGlite. */
export function testServerUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/** Creates an empty database on the TEST_DATABASE_URL server; returns its URL. */
export const createTestDatabase = (serverUrl: string) => createScratchDatabase(serverUrl, 'sus_test');
export const dropTestDatabase = dropScratchDatabase;

/** A fresh database config, not opened (for tests that spawn the CLI against it). */
export async function createTestDbConfig(): Promise<TestDbConfig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sus-test-'));
  const server = testServerUrl();
  let db: { databaseUrl: string; name: string } | undefined;
  try {
    if (server) db = await createTestDatabase(server);
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  let done: Promise<void> | undefined;
  return {
    databaseUrl: db?.databaseUrl,
    dataDir,
    env: db ? { DATABASE_URL: db.databaseUrl, DATA_DIR: dataDir } : { DATA_DIR: dataDir },
    cleanup: () =>
      (done ??= (async () => {
        try {
          if (server && db) await dropTestDatabase(server, db.name);
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      })()),
  };
}

/** A Store on a fresh database (PGlite in a temp dir, or a fresh Postgres database). */
export async function openTestStore(): Promise<TestStore> {
  const cfg = await createTestDbConfig();
  let store: Store;
  try {
    // A copy of the migrated template: the same database openStore would make, without initdb.
    if (!cfg.databaseUrl) await copyPgliteTemplate(cfg.dataDir);
    store = await openStore({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
  } catch (err) {
    await cfg.cleanup();
    throw err;
  }
  let done: Promise<void> | undefined;
  return {
    store,
    databaseUrl: cfg.databaseUrl,
    dataDir: cfg.dataDir,
    cleanup: () =>
      (done ??= (async () => {
        try {
          await store.close();
        } finally {
          await cfg.cleanup();
        }
      })()),
  };
}

/** Alias of createTestDbConfig (the name the CLI harness uses). */
export const freshDatabase = createTestDbConfig;

/**
 * One fresh store for the calling test file, opened before its tests and dropped after them. `store` may be
 * used from the file's top level: it forwards to the store once beforeAll has opened it.
 */
export function useTestStore(): { store: Store; opened(): TestStore } {
  let t: TestStore | undefined;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(async () => {
    await t?.cleanup();
  });
  const opened = () => {
    if (!t) throw new Error('useTestStore(): the store opens in beforeAll');
    return t;
  };
  const store = new Proxy({} as Store, { get: (_, key) => Reflect.get(opened().store, key) });
  return { store, opened };
}
