/**
 * What the first open of an empty database must leave: every table, every
 * migration recorded once, the columns' types; opening again and the migrate
 * command's entry point change nothing. One check for both backends:
 * store/migrations.test.ts runs it on a Postgres server, store/pglite.test.ts
 * on an empty PGlite directory (the one initdb among the store tests).
 */
import { readdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { expect } from 'vitest';
import { defaultMigrationsFolder } from '../../src/store/migrate.js';
import { openStore, pgliteOptions, runMigrations, type OpenStoreOptions } from '../../src/store/open.js';

export const EXPECTED_TABLES = ['actions', 'alert_state', 'group_sends', 'missing_members', 'org_members', 'org_snapshots', 'pauses', 'runs', 'secoda_users'];

type Query = <T = Record<string, unknown>>(text: string) => Promise<T[]>;

/** Raw SQL on the database on one connection (the store must be closed for PGlite). */
export async function rawSession<R>(cfg: OpenStoreOptions, fn: (query: Query) => Promise<R>): Promise<R> {
  if (cfg.databaseUrl) {
    const sql = postgres(cfg.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      return await fn(async <T,>(text: string) => (await sql.unsafe(text)) as unknown as T[]);
    } finally {
      await sql.end();
    }
  }
  const db = await PGlite.create(pgliteOptions(cfg.dataDir!));
  try {
    return await fn(async <T,>(text: string) => (await db.query<T>(text)).rows);
  } finally {
    await db.close();
  }
}

/** Opens the empty database (creating the schema), then checks the schema and that doing it again changes nothing. */
export async function expectFreshSchema(cfg: OpenStoreOptions & { dataDir: string }): Promise<void> {
  const s1 = await openStore(cfg);
  expect(s1.kind).toBe(cfg.databaseUrl ? 'postgres' : 'pglite');
  const id = await s1.createRun('dry-run');
  await s1.close();

  // Again: on open, and through the migrate command's entry point.
  const s2 = await openStore(cfg);
  expect((await s2.getRun(id))?.mode).toBe('dry-run');
  await s2.close();
  await runMigrations(cfg);

  const [tables, applied, cols] = await rawSession(cfg, async (query) => [
    await query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' order by table_name`),
    await query<{ n: number }>(`select count(*)::int as n from drizzle.__drizzle_migrations`),
    await query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_name = 'runs' and column_name in ('id', 'started_at', 'summary')  order by column_name`,
    ),
  ] as const);
  expect(tables.map((t) => t.table_name)).toEqual(EXPECTED_TABLES);
  const journal = (await readdir(defaultMigrationsFolder())).filter((f) => f.endsWith('.sql'));
  expect(applied[0]!.n).toBe(journal.length);
  expect(cols).toEqual([
    { column_name: 'id', data_type: 'integer' },
    { column_name: 'started_at', data_type: 'timestamp with time zone' },
    { column_name: 'summary', data_type: 'jsonb' },
  ]);
}
