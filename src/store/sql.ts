/** Shared SQL helpers of the store's queries. */
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PgDatabase<PgQueryResultHKT, any>;

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * Rows per INSERT ... SELECT FROM json_to_recordset(<one JSON parameter>):
 * bounds the parameter (a few hundred KB). Bulk inserts go this way, not
 * through drizzle multi-row VALUES: building that SQL costs ~30 us a row in
 * drizzle (100k Secoda users: 3.4-6.4 s on Postgres), the JSON way ~10x
 * less. 2,000 rather than 20,000 a statement: the same total time within
 * noise (100k-row writes on PGlite, 1,000 to 20,000 a statement).
 */
export const ROWS_PER_JSON_INSERT = 2_000;

/** One JSON parameter, typed text first so no driver re-encodes it as a JSON string. */
export function jsonParam(rows: readonly unknown[]) {
  return sql`${JSON.stringify(rows)}::text::json`;
}

/** Rows of a raw execute: postgres.js answers an array, PGlite `{ rows }`. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []);
}


/**
 * One statement per ROWS_PER_JSON_INSERT items, all sent at once; their
 * results in order. The database runs them back to back, in the order sent
 * (one connection: a transaction's, or PGlite's only one), instead of
 * waiting between two for this thread to come round to the answer: the
 * embedded database's thread (./pglite-thread.ts), or Postgres, would idle
 * meanwhile while the run's thread reads. In a transaction the first
 * failure fails the whole.
 */
export function inStatements<T, R>(items: readonly T[], statement: (chunk: T[]) => PromiseLike<R>): Promise<R[]> {
  return Promise.all([...chunks(items, ROWS_PER_JSON_INSERT)].map((chunk) => statement(chunk)));
}
