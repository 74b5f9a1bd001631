/**
 * Throw-away databases on a Postgres server, for the test suite and the
 * benchmark: each gets a fresh, uniquely named database and drops it after.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** A one-connection client to the server named by `serverUrl`, for CREATE/DROP DATABASE. */
export function maintenance(serverUrl: string): postgres.Sql {
  return postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
}

/** Creates `<prefix>_<random>` on the server; returns its name and URL. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<{ databaseUrl: string; name: string }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const sql = maintenance(serverUrl);
  try {
    await sql.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { databaseUrl: u.toString(), name };
}

/** WITH (FORCE): a child process killed mid-run may have left a connection behind (PG 13+). */
export async function dropScratchDatabase(serverUrl: string, name: string): Promise<void> {
  const sql = maintenance(serverUrl);
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
