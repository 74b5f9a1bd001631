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
 * bounds the parameter (a few hundred KB) and, on PGlite, how long one
 * statement holds the process's only thread (~25 ms for 2,000 rows; large
 * writes yield between statements, see yieldToEventLoop). Bulk inserts go
 * this way, not through drizzle multi-row VALUES: building that SQL costs
 * ~30 us a row in drizzle (100k Secoda users: 3.4-6.4 s on Postgres), the
 * JSON way ~10x less. 2,000 rather than 20,000 a statement: the same total
 * time within noise (100k-row writes on PGlite, 1,000 to 20,000 a
 * statement), a tenth of the longest stall.
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
 * Lets the event loop run between the statements of a large write. PGlite
 * executes a statement on the process's only thread: without a pause, the
 * HTTP answers that arrive meanwhile wait for the whole write (a 100k-row
 * org snapshot stalled the Secoda read ~1.5 s), with one they wait for one
 * statement at most.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
