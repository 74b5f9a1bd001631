/**
 * One process per embedded data directory. PGlite itself does not stop a
 * second process from opening the same directory (and corrupting it), so a
 * lock file does.
 *
 * - The file appears with its content or not at all: it is written under a
 *   name of its own, then hard-linked into place (link fails if the lock
 *   exists, unlike rename), so nobody can read a half-written lock and take
 *   it for a stale one.
 * - The holder refreshes the file's mtime every lease/3. A lock of another
 *   host (a recreated container on a shared volume) cannot be checked by pid:
 *   it is taken over once it has not been refreshed for its lease. A lock of
 *   this host whose process no longer runs is taken over at once.
 * - Taking over is itself exclusive: a contender first creates a claim file
 *   named after the stale file's identity (inode + mtime); only the one that
 *   created it removes the stale file, and only if it is still that file.
 *   Every contender then races for the free name, which one link wins.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from './errors.js';

export const LOCK_FILE = 'secoda-user-sync.lock';
/** How long another host's lock must go unrefreshed before it counts as left behind. */
export const DEFAULT_LOCK_LEASE_MS = 60_000;
/** A file we cannot parse (an older version crashed mid-write) or a claim is garbage once this old. */
const GARBAGE_AFTER_MS = 10_000;

let defaultLeaseMs = DEFAULT_LOCK_LEASE_MS;
/** Tests shorten the lease (and so the refresh period) of locks taken from now on. */
export function setDefaultLockLease(ms: number): void {
  defaultLeaseMs = ms;
}

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Unique per acquisition: pids are reused, tokens are not. Absent in files of older versions. */
  token?: string;
  /** The holder refreshes the mtime every leaseMs/3. Absent in files of older versions (which never refresh). */
  leaseMs?: number;
}

export interface DirLock {
  /** Resolves, with the reason, if the lock file stops being ours (removed, or taken over). */
  readonly lost: Promise<string>;
  release(): void;
}

export interface DirLockOptions {
  command?: string;
  leaseMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return owner && typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/** The lock as found: its content (null when unreadable) and the file's identity; null when there is none. */
function inspect(path: string): { owner: LockOwner | null; stat: Stats } | null {
  try {
    const stat = statSync(path);
    return { owner: readOwner(path), stat };
  } catch (err) {
    if (code(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Lock files this process holds: a file naming our own pid that is not in here was left by an earlier process. */
const heldHere = new Set<string>();

export function describeOwner(owner: LockOwner): string {
  return `process ${owner.pid} on ${owner.host} (${owner.command}, since ${owner.startedAt})`;
}

/** Why the lock found is not ours to take, or null when it was left behind. */
function liveHolder(path: string, found: { owner: LockOwner | null; stat: Stats }, now: number): string | null {
  const { owner, stat } = found;
  const age = now - stat.mtimeMs;
  if (!owner) return age > GARBAGE_AFTER_MS ? null : 'a process writing it right now (its content is not readable yet)';
  const who = describeOwner(owner);
  if (owner.host === hostname()) {
    // Our own pid in a file we do not hold: a previous process that had the same pid (a
    // restarted container's pid 1) died without removing it.
    if (owner.pid === process.pid) return heldHere.has(path) ? who : null;
    return alive(owner.pid) ? who : null;
  }
  // Another host's pid means nothing here: only its refreshing the file says it still runs.
  if (typeof owner.leaseMs !== 'number') return `${who}; it was written by a version that does not refresh it, so it is never taken over`;
  if (age > owner.leaseMs) return null;
  const s = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s`;
  return `${who}; last refreshed ${s(age)} ago, taken over if not refreshed for ${s(owner.leaseMs)}`;
}

/**
 * Removes the stale lock `found` if it is still in place, unless another
 * contender is already doing so. Whoever removes it, every contender then
 * races for the free name.
 */
function removeStale(path: string, found: Stats, tmp: string): void {
  const claim = `${path}.takeover-${found.ino}-${Math.round(found.mtimeMs)}`;
  try {
    linkSync(tmp, claim);
  } catch (err) {
    if (code(err) !== 'EEXIST') throw err;
    // Someone else is taking it over. A claim that old was left by a contender that crashed mid-takeover.
    try {
      if (Date.now() - statSync(claim).mtimeMs > GARBAGE_AFTER_MS) unlinkSync(claim);
    } catch {
      /* gone already */
    }
    return;
  }
  try {
    const now = statSync(path);
    // Only the claim's holder may remove this very file, so it cannot change between here and the unlink.
    if (now.ino === found.ino && now.mtimeMs === found.mtimeMs) unlinkSync(path);
  } catch (err) {
    if (code(err) !== 'ENOENT') throw err;
  } finally {
    try {
      unlinkSync(claim);
    } catch {
      /* gone already */
    }
  }
}

/** Takes the data directory's lock or throws a StoreError (code E_LOCKED) naming the holder. */
export function acquireDirLock(dir: string, options: DirLockOptions = {}): DirLock {
  const path = join(dir, LOCK_FILE);
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const me: LockOwner = {
    pid: process.pid, host: hostname(), startedAt: new Date().toISOString(),
    command: options.command ?? (process.argv.slice(2, 3).join(' ') || 'node'), token: randomUUID(), leaseMs,
  };
  const tmp = join(dir, `${LOCK_FILE}.${me.token}.tmp`);
  writeFileSync(tmp, JSON.stringify(me), { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        linkSync(tmp, path);
        heldHere.add(path);
        return holding(path, me);
      } catch (err) {
        if (code(err) !== 'EEXIST') throw err;
      }
      const found = inspect(path);
      if (!found) continue;
      const holder = liveHolder(path, found, Date.now());
      if (holder) {
        throw new StoreError(
          `the embedded database in ${dir} is in use by ${holder} (lock file ${path}); ` +
            'only one process may open it. Stop that process, or use Postgres (DATABASE_URL) to run several. ' +
            'If that process no longer runs, remove the lock file.',
          'E_LOCKED',
        );
      }
      removeStale(path, found.stat, tmp);
      // Another contender may be mid-takeover: give it the time to finish.
      if (attempt > 2) sleepSync(5 * attempt);
    }
    throw new StoreError(`could not take the lock file ${path}: other processes keep taking it over; try again`, 'E_LOCKED');
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* gone already */
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A held lock: refreshes the file, notices when it is no longer ours, removes it on release. */
function holding(path: string, me: LockOwner): DirLock {
  let onLost!: (why: string) => void;
  const lost = new Promise<string>((resolve) => (onLost = resolve));
  let done = false;
  const check = (): string | null => {
    const owner = readOwner(path);
    if (owner?.token === me.token) return null;
    return owner ? `the lock file ${path} was taken over by ${describeOwner(owner)}` : `the lock file ${path} was removed`;
  };
  const timer = setInterval(() => {
    if (done) return;
    const why = check();
    if (why) {
      done = true;
      clearInterval(timer);
      heldHere.delete(path);
      onLost(why);
      return;
    }
    try {
      const t = new Date();
      utimesSync(path, t, t);
    } catch {
      /* removed between the check and here: the next check says so */
    }
  }, Math.max(10, Math.floor(me.leaseMs! / 3)));
  timer.unref();
  return {
    lost,
    release() {
      clearInterval(timer);
      if (done) return;
      done = true;
      heldHere.delete(path);
      if (check() === null) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
