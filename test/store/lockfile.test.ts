/**
 * The embedded database's lock file (src/store/lockfile.ts): one process per
 * data directory, raced by real processes; takeover of a lock left behind
 * (dead pid on this host, another host's lock no longer refreshed,
 * unreadable leftovers); the holder refreshing it and noticing its loss.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireDirLock, LOCK_FILE, type DirLock } from '../../src/store/lockfile.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT = pathToFileURL(join(ROOT, 'dist', 'store', 'lockfile.js')).href;

const base = mkdtempSync(join(tmpdir(), 'sus-lockfile-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const freshDir = () => mkdtempSync(join(base, 'dir-'));
const HOUR_AGO = new Date(Date.now() - 3_600_000);
const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;

const held: DirLock[] = [];
afterEach(() => {
  for (const l of held.splice(0)) l.release();
});
const take = (dir: string, leaseMs?: number) => {
  const l = acquireDirLock(dir, { command: 'test', ...(leaseMs ? { leaseMs } : {}) });
  held.push(l);
  return l;
};
const owner = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
/** A lock file as another process would have left it, `mtime` old. */
function leave(dir: string, content: string | object, mtime?: Date): void {
  const path = join(dir, LOCK_FILE);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  if (mtime) utimesSync(path, mtime, mtime);
}
const foreign = (extra: object = {}) => ({ pid: 4242, host: 'old-container.example', startedAt: '2026-01-01T00:00:00.000Z', command: 'daemon', token: 't-old', leaseMs: 60_000, ...extra });

describe('taking over a lock left behind', () => {
  it('another host\'s lock is refused while refreshed, and taken over once not refreshed for its lease', () => {
    const dir = freshDir();
    leave(dir, foreign());
    expect(() => take(dir)).toThrow(/in use by process 4242 on old-container\.example \(daemon, since 2026-01-01T00:00:00\.000Z\); last refreshed 0s ago, taken over if not refreshed for 60s/);
    // 59 s without a refresh: still within its lease.
    leave(dir, foreign(), new Date(Date.now() - 59_000));
    expect(() => take(dir)).toThrow(/last refreshed 59s ago/);
    leave(dir, foreign(), new Date(Date.now() - 61_000));
    take(dir);
    expect(owner(dir)).toMatchObject({ pid: process.pid, host: hostname(), command: 'test' });
  });

  it('another host\'s lock written by a version that never refreshes it is never taken over by age', () => {
    const dir = freshDir();
    const { token: _t, leaseMs: _l, ...old } = foreign();
    leave(dir, old, HOUR_AGO);
    expect(() => take(dir)).toThrow(/written by a version that does not refresh it/);
  });

  it('this host\'s lock of a dead process is taken over at once; of a live one, never', () => {
    const dir = freshDir();
    leave(dir, { ...foreign(), host: hostname(), pid: deadPid });
    take(dir);
    expect(owner(dir).pid).toBe(process.pid);
    held.pop()!.release();
    leave(dir, { ...foreign(), host: hostname(), pid: process.ppid }, HOUR_AGO);
    expect(() => take(dir)).toThrow(new RegExp(`in use by process ${process.ppid} on `));
  });

  it('an unreadable lock is someone writing it now; once old, a leftover of a crash mid-write', () => {
    const dir = freshDir();
    leave(dir, '');
    expect(() => take(dir)).toThrow(/a process writing it right now/);
    leave(dir, '{"pid": 12', HOUR_AGO);
    take(dir);
    expect(owner(dir).pid).toBe(process.pid);
  });

  it('the same process cannot take its own directory twice', () => {
    const dir = freshDir();
    take(dir);
    expect(() => take(dir)).toThrow(new RegExp(`in use by process ${process.pid}`));
  });
});

describe('the holder', () => {
  it('refreshes the lock every lease/3, removes it on release and leaves no other file behind', async () => {
    const dir = freshDir();
    const lock = take(dir, 150);
    const path = join(dir, LOCK_FILE);
    expect(owner(dir)).toMatchObject({ leaseMs: 150 });
    utimesSync(path, HOUR_AGO, HOUR_AGO);
    await new Promise((r) => setTimeout(r, 200));
    expect(Date.now() - statSync(path).mtimeMs).toBeLessThan(1_000);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('notices its lock file removed or taken over, and then leaves the new holder\'s file alone', async () => {
    const dir = freshDir();
    const path = join(dir, LOCK_FILE);
    const a = take(dir, 60);
    unlinkSync(path);
    expect(await a.lost).toBe(`the lock file ${path} was removed`);

    const b = take(dir, 60);
    leave(dir, foreign({ token: 'intruder' }));
    expect(await b.lost).toBe(`the lock file ${path} was taken over by process 4242 on old-container.example (daemon, since 2026-01-01T00:00:00.000Z)`);
    b.release();
    expect(owner(dir).token).toBe('intruder');
  });
});

/**
 * A contender in a process of its own, driven over stdin: `go` tries to take
 * the lock (answers `won` or `busy <message>`), `release` lets it go.
 */
const CONTENDER = `
import { createInterface } from 'node:readline';
const { acquireDirLock } = await import(process.argv[2]);
const dir = process.argv[3];
let lock;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    try {
      const r = acquireDirLock(dir, { command: 'contender', leaseMs: 60000 });
      lock = typeof r === 'function' ? { release: r } : r;
      console.log('won');
    } catch (err) {
      console.log('busy ' + err.message.replace(/\\n/g, ' '));
    }
  } else if (line === 'release') {
    lock?.release();
    lock = undefined;
    console.log('released');
  }
}
`;

class Contender {
  readonly child: ChildProcessWithoutNullStreams;
  private lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  constructor(script: string, dir: string) {
    this.child = spawn(process.execPath, [script, BUILT, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      partial += d;
      let i: number;
      while ((i = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(line);
        } else this.lines.push(line);
      }
    });
  }
  send(command: string): void {
    this.child.stdin.write(`${command}\n`);
  }
  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from a contender')), 10_000);
      this.waiting = (l) => {
        clearTimeout(timer);
        resolve(l);
      };
    });
  }
}

describe('processes racing for one data directory', () => {
  it('exactly one of four processes wins each round — free, left by a dead process, expired, unreadable — and none while it is held', async () => {
    const dir = freshDir();
    const script = join(base, 'contender.mjs');
    writeFileSync(script, CONTENDER);
    const contenders = Array.from({ length: 4 }, () => new Contender(script, dir));
    const setups: Record<string, () => void> = {
      dead: () => leave(dir, { ...foreign(), host: hostname(), pid: deadPid }),
      free: () => {},
      expired: () => leave(dir, foreign(), HOUR_AGO),
      unreadable: () => leave(dir, '', HOUR_AGO),
    };
    const kinds = Object.keys(setups);
    const tally: Record<string, number> = {};
    try {
      for (let round = 0; round < 40; round++) {
        const kind = kinds[round % kinds.length]!;
        setups[kind]!();
        for (const c of contenders) c.send('go');
        const answers = await Promise.all(contenders.map((c) => c.next()));
        const winners = contenders.filter((_, i) => answers[i] === 'won');
        expect(winners, `round ${round} (${kind}): ${answers.join(' | ')}`).toHaveLength(1);
        const winner = winners[0]!;
        expect(owner(dir).pid).toBe(winner.child.pid);
        tally[kind] = (tally[kind] ?? 0) + 1;

        // Held by a live process: nobody else gets it, and every loser names the holder.
        const others = contenders.filter((c) => c !== winner);
        for (const c of others) c.send('go');
        for (const answer of await Promise.all(others.map((c) => c.next()))) {
          expect(answer).toMatch(new RegExp(`^busy .*in use by process ${winner.child.pid} on `));
        }
        winner.send('release');
        expect(await winner.next()).toBe('released');
        expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      }
    } finally {
      for (const c of contenders) c.child.kill();
    }
    expect(tally).toEqual({ dead: 10, free: 10, expired: 10, unreadable: 10 });
    // No temporary or claim file is left behind.
    expect(readdirSync(dir)).toEqual([]);
  });
});
