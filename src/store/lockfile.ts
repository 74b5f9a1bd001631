/**
 * One process per embedded data directory. PGlite itself does not stop a
 * second process from opening the same directory (and corrupting it), so a
 * lock file does. A lock left by a process that no longer runs is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from './errors.js';

export const LOCK_FILE = 'secoda-user-sync.lock';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** Lock files this process holds: a file naming our own pid that is not in here was left by an earlier process. */
const heldHere = new Set<string>();

export function describeOwner(owner: LockOwner): string {
  return `process ${owner.pid} on ${owner.host} (${owner.command}, since ${owner.startedAt})`;
}

/** Takes the data directory's lock or throws a StoreError (code E_LOCKED) naming the holder. */
export function acquireDirLock(dir: string, command = process.argv.slice(2, 3).join(' ') || 'node'): () => void {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        const owner = readOwner(path);
        if (owner && owner.pid === me.pid && owner.host === me.host) {
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(path);
    // Our own pid in a file we do not hold: a previous process that had the same pid (a
    // restarted container's pid 1) died without removing it. Otherwise, a dead pid is stale.
    const stale = owner === null || (owner.host === me.host && (owner.pid === process.pid ? !heldHere.has(path) : !alive(owner.pid)));
    if (!stale) {
      throw new StoreError(
        `the embedded database in ${dir} is in use by ${describeOwner(owner!)} (lock file ${path}); ` +
          'only one process may open it. Stop that process, or use Postgres (DATABASE_URL) to run several. ' +
          'If that process no longer runs, remove the lock file.',
        'E_LOCKED',
      );
    }
    try {
      unlinkSync(path);
    } catch {
      /* someone else took it over first: try again */
    }
  }
  throw new StoreError(`could not take the lock file ${path}`, 'E_LOCKED');
}
