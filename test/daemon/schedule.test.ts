/**
 * The daemon's schedule: runs on a seconds schedule (node-cron's real ticks)
 * and records them; a tick that comes while a run is going (fired by the test)
 * is skipped and logged; an invalid schedule or time zone exits 2 before
 * anything starts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { daemonEnv, freePort, get, killAll, listRuns, manualTicks, overlaps, runFinished, seedInSync, startCli, until } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ reopenStore: true }); // daemons in child processes open the database
});
afterEach(async () => {
  await killAll();
  await h.close();
});

describe('daemon schedule', () => {
  it('runs on a seconds schedule and records every run', async () => {
    seedInSync(h, 3);
    const d = startCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '*/2 * * * * *', RUN_ON_START: 'false' }), h.cwd);
    const started = await d.waitForLine((l) => l.msg === 'daemon started', 'daemon started');
    expect(started.schedule).toBe('*/2 * * * * *');
    expect(started.timezone).toBe('UTC');
    // The next tick is on an even second.
    expect(new Date(String(started.next)).getUTCSeconds() % 2).toBe(0);
    await until(() => d.lines.filter(runFinished).length >= 2, 'two scheduled runs', 20_000);
    const exit = await d.stop('SIGTERM');
    expect(exit.code, d.stderr()).toBe(0);

    const finished = d.lines.filter(runFinished);
    expect(finished.every((l) => l.status === 'succeeded')).toBe(true);
    const runs = await listRuns(h);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // Every run the daemon logged is recorded as it logged it.
    for (const l of finished) expect(runs.find((r) => r.runId === l.runId)?.status).toBe(l.status);
    expect(runs.filter((r) => r.status === 'succeeded').every((r) => r.mode === 'apply' && r.finishedAt !== null)).toBe(true);
    expect(overlaps(runs)).toEqual([]);
    // RUN_ON_START=false: no run before the first tick, and each run starts on a tick (an even second).
    const first = runs[0]!;
    // (Not compared with the logged `next`: under load node-cron's getNextRun() can already name the tick after.)
    expect(Date.parse(first.startedAt)).toBeGreaterThanOrEqual(Number(started.time));
    const starts = runs.map((r) => Date.parse(r.startedAt));
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(1_500);
  });

  it('skips and logs a tick that comes while the previous run is still going; runs never overlap', async () => {
    // 3 org pages and 6 Secoda pages at 200 ms each: a run takes well over a second.
    seedInSync(h, 250);
    h.org.setLatency(200);
    h.secoda.setLatency(200);
    // The test fires the scheduled ticks (the test above has node-cron's): one while the run on start is going.
    const ticks = manualTicks();
    const d = startCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '* * * * * *', RUN_ON_START: 'true', MAX_CONCURRENCY: '1' }), h.cwd, { ticks: ticks.source });
    await d.waitForLine((l) => /^run \d+ started$/.test(l.msg), 'the run on start');
    expect(await ticks.fire()).toBe('busy');
    const skipped = await d.waitForLine((l) => l.msg === 'tick skipped: the previous run is still going', 'a skipped tick', 20_000);
    expect(skipped.level).toBe(40); // warn
    expect(skipped.reason).toBe('schedule');
    await d.waitForLine(runFinished, 'the run on start finished', 30_000);
    // The next run need not be slow.
    h.org.setLatency(0);
    h.secoda.setLatency(0);
    while ((await ticks.fire()) !== 'ran') await new Promise((r) => setTimeout(r, 20));
    expect(d.lines.filter(runFinished).length).toBeGreaterThanOrEqual(2);
    const exit = await d.stop('SIGTERM');
    expect(exit.code, d.stderr()).toBe(0);

    const runs = await listRuns(h);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(overlaps(runs)).toEqual([]);
    // A skipped tick started no run: no run starts between a run's start and its finish.
    expect(runs.every((r) => r.finishedAt !== null)).toBe(true);
    // Each skipped tick was logged while a run was going (taking the lock before the run is
    // recorded, and alerting and releasing it after, are part of the tick: 1 s of slack).
    const spans = runs.map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt!)] as const);
    for (const l of d.lines.filter((x) => x.msg === 'tick skipped: the previous run is still going')) {
      expect(spans.some(([s, f]) => l.time! >= s - 1_000 && l.time! <= f + 1_000), `skip at ${l.time} during a run`).toBe(true);
    }
  });
});

describe('daemon configuration errors', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['a minute field of 61', { SYNC_SCHEDULE: '61 * * * *' }, /SYNC_SCHEDULE .*61 \* \* \* \*/],
    ['words instead of a cron expression', { SYNC_SCHEDULE: 'every minute' }, /SYNC_SCHEDULE must have 5 fields .*got 2/],
    ['an unknown time zone', { SYNC_SCHEDULE: '*/2 * * * * *', SYNC_TIMEZONE: 'Mars/Olympus_Mons' }, /SYNC_TIMEZONE is not a known IANA time zone/],
  ];
  for (const [what, env, message] of cases) {
    it(`exits 2 before anything starts on ${what}`, async () => {
      const dataDir = join(h.cwd, 'never-created');
      const port = String(await freePort());
      const d = startCli(['daemon'], daemonEnv(h, { RUN_ON_START: 'true', HTTP_PORT: port, DATA_DIR: dataDir, ...env }), h.cwd);
      const exit = await d.exited;
      expect(exit.code, d.stderr()).toBe(2);
      expect(d.stderr()).toMatch(/^configuration error: /m);
      expect(d.stderr()).toMatch(message);
      // Nothing started: no request to either API, no store opened, no HTTP server.
      expect(h.org.requests).toEqual([]);
      expect(h.secoda.requests).toEqual([]);
      expect(existsSync(dataDir)).toBe(false);
      if (h.databaseUrl) {
        const sql = postgres(h.databaseUrl, { max: 1, onnotice: () => {} });
        try {
          const [row] = await sql`select to_regclass('public.runs')::text as runs`;
          expect(row!.runs).toBeNull();
        } finally {
          await sql.end({ timeout: 5 });
        }
      }
      expect(d.lines.some((l) => l.msg === 'daemon started')).toBe(false);
      await expect(get(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    });
  }
});
