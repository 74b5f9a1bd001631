/**
 * The run lock: at most one reconcile at a time per database, across
 * processes and replicas. On Postgres it is a session advisory lock held on a
 * dedicated connection — not a pooled one, whose session lock would be
 * released or lost behind our back — and that connection closing counts as
 * losing the lock. On PGlite the data directory's lock file already keeps
 * other processes out, so an in-process flag is enough; losing that file
 * loses the flag's lock too.
 */
import { hostname } from 'node:os';

/** Fit in 32 bits, so pg_locks shows them as objid with classid 0. */
export const RUN_LOCK_KEY = 0x5ec0da;
/** Held by the daemon replica that schedules runs, for as long as it lives. */
export const LEADER_LOCK_KEY = 0x5ec0db;

export interface RunLock {
  /** Resolves if the lock is lost while held (the connection closed). */
  readonly lost: Promise<string>;
  release(): Promise<void>;
}

export interface RunLocker {
  tryAcquire(label: string): Promise<RunLock | null>;
  /** Who holds the lock, in words, or null when it is free. */
  holder(): Promise<string | null>;
}

/** `dirLost`: the data directory's lock file stopped being ours; every lock held then is lost too. */
export function memoryRunLocker(dirLost: Promise<string> = new Promise<string>(() => {})): RunLocker {
  let held: string | null = null;
  return {
    async tryAcquire(label) {
      if (held) return null;
      held = label;
      const lost = dirLost.then((why) => `${why}: another process may be using the embedded database`);
      return {
        lost,
        release: async () => {
          held = null;
        },
      };
    },
    async holder() {
      return held ? `${held} (this process)` : null;
    },
  };
}

export function postgresRunLocker(databaseUrl: string, scrub: (s: string) => string, key = RUN_LOCK_KEY): RunLocker {
  return {
    async tryAcquire(label) {
      let onLost!: (why: string) => void;
      const lost = new Promise<string>((resolve) => (onLost = resolve));
      let released = false;
      const postgres = await loadPostgres();
      const sql = postgres(databaseUrl, {
        max: 1,
        // No array types to parse on this connection: not fetching them saves a round trip on connecting.
        fetch_types: false,
        idle_timeout: 0,
        max_lifetime: null,
        onnotice: () => {},
        connect_timeout: 10,
        connection: { application_name: `secoda-user-sync ${label} ${hostname()}:${process.pid}`.slice(0, 63) },
        onclose: () => {
          if (!released) onLost('the database connection holding the run lock closed');
        },
      });
      let ok = false;
      try {
        const [row] = await sql`select pg_try_advisory_lock(${key}) as ok`;
        ok = Boolean(row?.ok);
      } catch (err) {
        released = true;
        await sql.end({ timeout: 1 }).catch(() => {});
        throw new Error(`cannot take the ${key === RUN_LOCK_KEY ? 'run' : 'leader'} lock: ${scrub((err as Error).message)}`);
      }
      if (!ok) {
        released = true;
        await sql.end({ timeout: 2 }).catch(() => {});
        return null;
      }
      // A connection that dies quietly (network cut) is noticed by the heartbeat.
      const heartbeat = setInterval(() => {
        sql`select 1`.catch(() => {
          if (!released) onLost('the database connection holding the run lock stopped answering');
        });
      }, 5_000);
      heartbeat.unref();
      return {
        lost,
        async release() {
          if (released) return;
          released = true;
          clearInterval(heartbeat);
          await sql`select pg_advisory_unlock(${key})`.catch(() => {});
          await sql.end({ timeout: 5 }).catch(() => {});
        },
      };
    },
    async holder() {
      const postgres = await loadPostgres();
      const sql = postgres(databaseUrl, { max: 1, fetch_types: false, onnotice: () => {}, connect_timeout: 10 });
      try {
        const rows = await sql`
          select a.application_name, a.client_addr::text as addr, a.pid, a.backend_start
          from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.classid = 0 and l.objid = ${key} and l.granted
            and l.database = (select oid from pg_database where datname = current_database())
          limit 1`;
        const r = rows[0];
        if (!r) return null;
        return `${r.application_name || 'a session'} (backend pid ${r.pid}${r.addr ? ` from ${r.addr}` : ''}, since ${new Date(r.backend_start).toISOString()})`;
      } catch {
        return 'another session (details unavailable)';
      } finally {
        await sql.end({ timeout: 2 }).catch(() => {});
      }
    },
  };
}

/** postgres.js, loaded by the Postgres backend only: an embedded-store run does not pay its start-up. */
async function loadPostgres() {
  return (await import('postgres')).default;
}
