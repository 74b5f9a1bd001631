/**
 * vitest globalSetup: the suite's temporary files on a memory file system.
 *
 * Tests copy a ~1,000-file embedded database for every fresh store, and child
 * CLIs and harnesses make and remove directories all the time. On this
 * machine's ext4 /tmp, creating files among so many recently deleted ones is
 * slow in the kernel (a copy took 0.3-2 s, the same copy on tmpfs 60 ms, and
 * the kernel's share of the suite's CPU time fell from about a third), so
 * when /dev/shm is a writable tmpfs the suite's TMPDIR is a directory of its
 * own there. Workers and the CLIs they spawn inherit it (os.tmpdir() reads
 * TMPDIR); it is removed when the suite ends, whatever a test left behind.
 * TEST_TMPDIR=<dir> chooses the parent instead; TEST_TMPDIR=system keeps the
 * system's temporary directory.
 */
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

function parentDir(): string | undefined {
  const asked = process.env.TEST_TMPDIR?.trim();
  if (asked === 'system') return undefined;
  const dir = asked || '/dev/shm';
  try {
    if (!statSync(dir).isDirectory()) return undefined;
    accessSync(dir, constants.W_OK);
    return dir;
  } catch {
    if (asked) throw new Error(`TEST_TMPDIR=${asked}: not a writable directory`);
    return undefined;
  }
}

export default function setup(): () => void {
  const parent = parentDir();
  if (!parent) return () => {};
  const dir = mkdtempSync(join(parent, 'sus-suite-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
