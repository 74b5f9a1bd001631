/**
 * Stopping the daemon: SIGTERM mid-run lets in-flight writes finish, sends no
 * new one, records the run `interrupted` and exits 0 within SHUTDOWN_TIMEOUT;
 * a write slower than the timeout is cancelled (exit 1); a run left `running`
 * by SIGKILL is recorded `abandoned` when the lock is next taken; a database
 * that can never answer again (the embedded one's thread died) stops it
 * with exit 1, for its supervisor to restart it.
 *
 * What the daemon does on a stop runs in this process (startCli: main() with
 * the stop signal that the entry point aborts on SIGTERM/SIGINT; no process to
 * boot). What only a process shows runs the built CLI as a child: a first
 * SIGTERM/SIGINT that starts the shutdown and a second that exits at once
 * with 128 + the signal's number, and SIGKILL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Harness } from '../helpers/harness.js';
import { daemonEnv, killAll, listRuns, orgUsers, runFinished, runReport, spawnCli, startCli, startDaemonHarness, until, writesOf } from './helpers.js';

let h: Harness & { secodaLatency(l: { read?: number; write?: number }): void };
beforeEach(async () => {
  h = await startDaemonHarness();
});
afterEach(async () => {
  await killAll();
  await h.close();
});

const INVITES = 12;

/** root is in both; INVITES analysts are only in the org: INVITES invites. */
function seedInvites() {
  h.org.seed(orgUsers(INVITES));
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin', first_name: 'Root', last_name: 'Admin' }]);
}

const posts = () => writesOf(h.secoda).filter((r) => r.method === 'POST');

/** Env of a daemon that runs once at start and then not for a year. */
const onceEnv = (extra: Record<string, string> = {}) => daemonEnv(h, { SYNC_SCHEDULE: '0 0 1 1 *', RUN_ON_START: 'true', ...extra });

describe('daemon shutdown', () => {
  it('SIGTERM mid-run: in-flight writes finish, no new write, the run is recorded interrupted, exit 0 within SHUTDOWN_TIMEOUT', async () => {
    seedInvites();
    h.secodaLatency({ write: 1_000 });
    const timeoutMs = 10_000;
    const d = startCli(['daemon'], onceEnv({ MAX_CONCURRENCY: '2', SHUTDOWN_TIMEOUT: '10s' }), h.cwd);
    await until(() => posts().filter((p) => p.status === 201).length >= 2, 'two invites answered', 20_000, 10);
    const sigAt = Date.now();
    const exit = await d.stop('SIGTERM', timeoutMs + 10_000);
    expect(exit.code, d.stderr()).toBe(0);
    expect(exit.at - sigAt).toBeLessThan(timeoutMs + 2_000);
    expect(d.has((l) => l.msg === 'stopped cleanly')).toBe(true);
    const shutdown = d.lines.find((l) => l.msg.startsWith('shutting down'))!;
    expect(shutdown.time).toBeGreaterThanOrEqual(sigAt - 5);

    // Every write the simulator saw was answered (none cut off) and is recorded as done.
    const seen = posts();
    expect(seen.every((p) => p.status === 201)).toBe(true);
    // No write was sent after the shutdown began, beyond those already in flight (MAX_CONCURRENCY=2):
    // a write dispatched once an in-flight one finished would arrive a whole write (1 s) later.
    expect(seen.filter((p) => p.at > shutdown.time!).length).toBeLessThanOrEqual(2);
    expect(seen.filter((p) => p.at > shutdown.time! + 500)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(posts()).toHaveLength(seen.length);

    const runs = await listRuns(h);
    expect(runs).toHaveLength(1);
    const report = await runReport(h, runs[0]!.runId);
    expect(report.status).toBe('interrupted');
    expect(report.finishedAt).not.toBeNull();
    const byStatus = (s: string) => report.actions.filter((a: any) => a.status === s);
    expect(byStatus('succeeded').length).toBe(seen.length);
    expect(byStatus('succeeded').length).toBeGreaterThanOrEqual(2);
    expect(byStatus('planned').length).toBe(INVITES - seen.length);
    expect(byStatus('planned').length).toBeGreaterThan(0);
    expect(byStatus('failed')).toEqual([]);
    expect(report.error).toBe(`interrupted by a shutdown: ${seen.length} action(s) done, 0 failed, ${INVITES - seen.length} not started`);
    // What the report says was done is what Secoda has.
    for (const a of byStatus('succeeded')) expect(h.secoda.byEmail(a.email), a.email).toBeDefined();
    for (const a of byStatus('planned')) expect(h.secoda.byEmail(a.email), a.email).toBeUndefined();

    // The next run completes whatever was left.
    h.secodaLatency({ write: 0 });
    const next = startCli(['daemon'], onceEnv(), h.cwd);
    const done = await next.waitForLine(runFinished, 'the next run');
    expect(done.status).toBe('succeeded');
    expect((await next.stop('SIGTERM')).code).toBe(0);
    expect(posts()).toHaveLength(INVITES);
    expect(h.secoda.users()).toHaveLength(INVITES + 1);
  });

  it('a write slower than SHUTDOWN_TIMEOUT is cancelled: the daemon exits 1 soon after the timeout, the run recorded interrupted', async () => {
    seedInvites();
    h.secodaLatency({ write: 15_000 });
    const d = startCli(['daemon'], onceEnv({ MAX_CONCURRENCY: '1', SHUTDOWN_TIMEOUT: '1s', HTTP_TIMEOUT: '30s' }), h.cwd);
    await until(() => posts().length >= 1, 'a write in flight', 20_000, 10);
    const sigAt = Date.now();
    const exit = await d.stop('SIGTERM', 15_000);
    // 1 s of timeout, then at most 2 s for the cancelled run to be recorded.
    expect(exit.at - sigAt).toBeLessThan(1_000 + 2_000 + 2_000);
    expect(exit.code, d.stderr()).toBe(1);
    expect(d.has((l) => l.msg === 'shutdown timeout reached: cancelling in-flight requests')).toBe(true);
    expect(d.has((l) => l.msg === 'stopped after the shutdown timeout')).toBe(true);
    expect(posts()).toHaveLength(1);

    const runs = await listRuns(h);
    expect(runs.map((r) => r.status)).toEqual(['interrupted']);
    const report = await runReport(h, runs[0]!.runId);
    const statuses = report.actions.map((a: any) => a.status);
    expect(statuses.filter((s: string) => s === 'planned')).toHaveLength(INVITES - 1);
    // The cancelled write's outcome is unknown to us; it is recorded, not lost.
    expect(statuses.filter((s: string) => s !== 'planned')).toHaveLength(1);
  });

  it('SIGTERM during the reads: the run is recorded interrupted before any write, exit 0', async () => {
    seedInvites();
    // The org's first page is held back until the shutdown has begun.
    let letThrough!: () => void;
    const gate = new Promise<void>((res) => (letThrough = res));
    h.org.onPage(() => gate);
    const d = startCli(['daemon'], onceEnv({ HTTP_TIMEOUT: '60s' }), h.cwd);
    await until(() => h.org.requests.length >= 1, 'the org read in flight', 20_000, 10);
    void d.stop('SIGTERM');
    await d.waitForLine((l) => l.msg === 'waiting for the current run to finish its in-flight requests', 'the shutdown waiting for the read');
    letThrough();
    const exit = await d.exited;
    expect(exit.code, d.stderr()).toBe(0);
    // Both APIs are read at once: the Secoda read ran alongside (a few pages at most); no write anywhere.
    expect(writesOf(h.secoda)).toEqual([]);
    expect(writesOf(h.org)).toEqual([]);
    const runs = await listRuns(h);
    expect(runs.map((r) => [r.status, r.error])).toEqual([['interrupted', 'interrupted by a shutdown before any write']]);
  });

  // 128 + the signal's number, as a shell reports death by that signal.
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) it(`a second ${signal} exits at once with ${code}`, async () => {
    seedInvites();
    h.secodaLatency({ write: 15_000 });
    const d = spawnCli(['daemon'], onceEnv({ MAX_CONCURRENCY: '1', SHUTDOWN_TIMEOUT: '30s', HTTP_TIMEOUT: '60s' }), h.cwd);
    await until(() => posts().length >= 1, 'a write in flight', 20_000, 10);
    d.child.kill(signal);
    await d.waitForLine((l) => l.msg === 'waiting for the current run to finish its in-flight requests', 'the shutdown waiting');
    const again = Date.now();
    d.child.kill(signal);
    const exit = await d.exited;
    expect(exit.code, d.stderr()).toBe(code);
    // At once: long before the write in flight (15 s) or the shutdown timeout (30 s) could end it; the
    // margin is for a loaded machine, where a process takes seconds just to exit.
    expect(exit.at - again).toBeLessThan(10_000);
    expect(posts()).toHaveLength(1);
  });

  it('a run left running by SIGKILL is recorded abandoned when the lock is next taken', async () => {
    seedInvites();
    h.secodaLatency({ write: 300 });
    const d = spawnCli(['daemon'], onceEnv({ MAX_CONCURRENCY: '1' }), h.cwd);
    const started = await d.waitForLine((l) => /^run \d+ started$/.test(l.msg), 'the run started');
    await until(() => posts().filter((p) => p.status === 201).length >= 2, 'two invites answered', 20_000, 10);
    const exit = await d.stop('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    // An invite the killed process had in flight still lands (after the simulator's write latency). The next run
    // starts in this process at once: let that write land first, or the run reads Secoda before it and invites the
    // same email again (refused as existing: a failed run, settled by the run after — not what this test is about).
    await until(() => posts().every((p) => p.status !== 0), 'the killed run\'s last write answered', 5_000, 10);
    const done = posts().filter((p) => p.status === 201).length;

    const before = await listRuns(h);
    expect(before.map((r) => [r.runId, r.status, r.finishedAt])).toEqual([[started.runId, 'running', null]]);

    h.secodaLatency({ write: 0 });
    const next = startCli(['daemon'], onceEnv(), h.cwd);
    const marked = await next.waitForLine((l) => /left running by a stopped process recorded as abandoned/.test(l.msg), 'the abandoned run marked');
    expect(marked.abandoned).toBe(1);
    const finished = await next.waitForLine(runFinished, 'the next run');
    // Should it fail, say why: the run's own record of its errors.
    if (finished.status !== 'succeeded') expect(JSON.stringify(await runReport(h, finished.runId as number))).toBe('a succeeded run');
    expect((await next.stop('SIGTERM')).code).toBe(0);

    const after = await listRuns(h);
    expect(after.map((r) => [r.runId, r.status])).toEqual([[started.runId, 'abandoned'], [finished.runId, 'succeeded']]);
    expect(after[0]!.finishedAt).not.toBeNull();
    // The killed run's actions are kept as recorded. A write answered just before the kill may
    // not be recorded yet (recording overlaps the next request), and one may be in flight: at
    // most two invites Secoda has are missing from the record. The next run did the rest.
    const killed = await runReport(h, started.runId as number);
    const recorded = killed.actions.filter((a: any) => a.status === 'succeeded').length;
    expect(recorded).toBeGreaterThanOrEqual(Math.max(1, done - 2));
    expect(killed.actions.filter((a: any) => a.status === 'failed')).toEqual([]);
    const rest = await runReport(h, finished.runId as number);
    expect(rest.actions.every((a: any) => a.type === 'invite' && a.status === 'succeeded')).toBe(true);
    expect(recorded + rest.actions.length).toBeGreaterThanOrEqual(INVITES - 2);
    expect(recorded + rest.actions.length).toBeLessThanOrEqual(INVITES);
    // Nobody was invited twice; everyone is there.
    const emails = h.secoda.users().map((u) => u.email);
    expect(new Set(emails).size).toBe(emails.length);
    expect(h.secoda.users()).toHaveLength(INVITES + 1);
  });

  it('a database that can never answer again (the embedded one\'s thread died): stops, says why, exit 1', async () => {
    let breakIt!: (why: string) => void;
    const broken = new Promise<string>((resolve) => (breakIt = resolve));
    // The real store, but for when it breaks (src/store/pglite-thread.ts: the thread's death resolves it).
    const d = startCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '0 0 1 1 *', RUN_ON_START: 'false' }), h.cwd, {
      openStore: async (o) => Object.assign(await openStore(o), { broken }),
    });
    await d.waitForLine((l) => l.msg === 'daemon started', 'the daemon started');
    expect(d.exit).toBeUndefined();
    breakIt("the embedded database's thread stopped: exited with code 3");
    const exit = await d.exited;
    expect(exit.code, d.stderr()).toBe(1);
    const said = d.lines.find((l) => l.msg.includes('cannot answer again'));
    expect(said?.why).toBe("the embedded database's thread stopped: exited with code 3");
    expect(said?.level).toBe(50);
  });
});
