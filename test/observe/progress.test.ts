import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';
import { createProgress, describe as describeEvent, formatDuration } from '../../src/observe/progress.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _e: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe('progress', () => {
  it('describes pages pulled and actions done with an ETA', () => {
    expect(describeEvent({ phase: 'pull', api: 'org', page: 3, fetched: 300, count: 1000 }, 0, 0)).toBe('reading organization: page 3, 300/1000 users');
    expect(describeEvent({ phase: 'pull', api: 'org', page: 2, fetched: 120, count: 100, rolesRead: 7, rolesToRead: 120 }, 0, 0)).toBe('reading organization: roles of 7/120 users');
    // 10 of 40 done in 20 s: 30 left at 2 s each.
    expect(describeEvent({ phase: 'apply', done: 10, total: 40, failed: 1 }, 0, 20_000)).toBe('applying: 10/40 actions, 1 failed, ETA 1m00s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
  });

  it('on a terminal, rewrites one status line and clears it at the end', () => {
    const stream = new Capture();
    const logs = new Capture();
    const p = createProgress({ tty: true, stream: stream as unknown as NodeJS.WriteStream, logger: createLogger({ level: 'info', pretty: false, stream: logs }) });
    p.sink({ phase: 'apply', done: 1, total: 2, failed: 0 });
    p.sink({ phase: 'apply', done: 2, total: 2, failed: 0 });
    p.end();
    expect(stream.text).toContain('\r\x1b[Kapplying: 1/2 actions');
    expect(stream.text).toContain('\r\x1b[Kapplying: 2/2 actions');
    expect(stream.text.endsWith('\r\x1b[K')).toBe(true);
    expect(logs.text).toBe('');
  });

  it('on a terminal, a log line clears the status line first and draws it again after', () => {
    const tty = new Capture();
    tty.isTTY = true;
    const log = createLogger({ level: 'info', pretty: false, stream: tty, secrets: ['sk_live_abcdef123'] });
    const p = createProgress({ tty: true, stream: tty as unknown as NodeJS.WriteStream, logger: log });
    log.info('before any progress');
    p.sink({ phase: 'pull', api: 'secoda', page: 117, fetched: 2920, count: 2920 });
    log.info('a page was slow sk_live_abcdef123');
    p.sink({ phase: 'apply', done: 1, total: 2, failed: 0 });
    p.end();
    log.info('after the end');
    const line = (msg: string) => `${JSON.stringify({ msg })}`.slice(1, -1);
    const status = 'reading Secoda: page 117, 2920/2920 users';
    const chunks = tty.text.split(/(?<=\n)/);
    expect(chunks[0]).toContain(line('before any progress'));
    expect(chunks[0]!.startsWith('\r')).toBe(false);
    // The status line, then: cleared, the log line whole (scrubbed), the status line again.
    expect(chunks[1]!.startsWith(`\r\x1b[K${status}\r\x1b[K{`)).toBe(true);
    expect(chunks[1]).toContain(line('a page was slow ***'));
    expect(chunks[2]!.startsWith(`${status}\r\x1b[Kapplying: 1/2 actions`)).toBe(true);
    expect(chunks[2]).toMatch(/\r\x1b\[K\{.*"msg":"after the end"\}\n$/);
    // Cleared at the end, so the last log line is not followed by a stale status line.
    expect(tty.text.endsWith('"msg":"after the end"}\n')).toBe(true);
  });

  it('off a terminal, logs at phase changes, at the end, and at most once per interval otherwise', () => {
    const logs = new Capture();
    const p = createProgress({ tty: false, logger: createLogger({ level: 'info', pretty: false, stream: logs }), intervalMs: 60_000 });
    p.sink({ phase: 'pull', api: 'org', page: 1, fetched: 100 });
    p.sink({ phase: 'pull', api: 'org', page: 2, fetched: 200 });
    p.sink({ phase: 'pull', api: 'secoda', page: 1, fetched: 50 });
    for (let i = 1; i <= 50; i++) p.sink({ phase: 'apply', done: i, total: 50, failed: 0 });
    const lines = logs.text.trim().split('\n').map((l) => JSON.parse(l).msg);
    expect(lines).toEqual([
      'reading organization: page 1, 100 users',
      'reading Secoda: page 1, 50 users',
      expect.stringMatching(/^applying: 1\/50 actions/),
      expect.stringMatching(/^applying: 50\/50 actions/),
    ]);
  });
  it('both APIs read at once: off a terminal, each API logged once per interval, not at every alternation; on one, side by side', () => {
    const logs = new Capture();
    const p = createProgress({ tty: false, logger: createLogger({ level: 'info', pretty: false, stream: logs }), intervalMs: 60_000 });
    for (let i = 1; i <= 20; i++) {
      p.sink({ phase: 'pull', api: 'org', page: i, fetched: i * 100 });
      p.sink({ phase: 'pull', api: 'secoda', page: i, fetched: i * 50 });
    }
    expect(logs.text.trim().split('\n').map((l) => JSON.parse(l).msg)).toEqual(['reading organization: page 1, 100 users', 'reading Secoda: page 1, 50 users']);

    const tty = new Capture();
    tty.isTTY = true;
    const q = createProgress({ tty: true, stream: tty as unknown as NodeJS.WriteStream, logger: createLogger({ level: 'info', pretty: false, stream: tty }) });
    q.sink({ phase: 'pull', api: 'org', page: 3, fetched: 300, count: 1000 });
    q.sink({ phase: 'pull', api: 'secoda', page: 2, fetched: 100 });
    expect(tty.text.endsWith('reading organization: page 3, 300/1000 users · reading Secoda: page 2, 100 users')).toBe(true);
  });
});

describe('logger', () => {
  it('scrubs secrets from every line, even when they slip into a message', () => {
    const logs = new Capture();
    const log = createLogger({ level: 'info', pretty: false, stream: logs, secrets: ['sk_live_abcdef123'] });
    log.info({ url: 'https://x/?key=sk_live_abcdef123', headers: { authorization: 'Bearer whatever' } }, 'oops sk_live_abcdef123');
    expect(logs.text).not.toContain('sk_live_abcdef123');
    expect(logs.text).not.toContain('Bearer whatever');
    expect(logs.text).toContain('oops ***');
  });
});
