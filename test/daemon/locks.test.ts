/**
 * One run at a time per database:
 * - PGlite (always, whatever TEST_DATABASE_URL says): the data directory's
 *   lock file admits one process; a second daemon or a reconcile fails naming
 *   the holder; a lock file whose process no longer runs, or another host's
 *   lock no longer refreshed, is taken over.
 * - Postgres (TEST_DATABASE_URL): two daemons on one database never overlap,
 *   the standby logs "not the leader" and takes over when the leader stops;
 *   a leader whose lock connections drop stops writing and leads again later;
 *   `reconcile` next to the daemon exits 1 naming the holder (not a holder in
 *   another database), or with --wait runs after the daemon's run; a daemon
 *   tick during a one-shot run is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { RUN_LOCK_KEY } from '../../src/store/run-lock.js';
import { createTestDatabase, dropTestDatabase, testServerUrl } from '../helpers/db.js';
import {
  daemonEnv, freePort, freshPgliteDir, get, killAll, listRuns, overlaps, runFinished, runStarted, seedInSync, spawnCli, startCli, startDaemonHarness, until, type ListedRun, type LogLine, type Proc,
} from './helpers.js';

let h: Awaited<ReturnType<typeof startDaemonHarness>>;
beforeEach(async () => {
  h = await startDaemonHarness();
});
afterEach(async () => {
  await killAll();
  await h.close();
});

const LOCK_FILE = 'secoda-user-sync.lock';
const ONCE = { SYNC_SCHEDULE: '0 0 1 1 *', RUN_ON_START: 'true' };
const HOUR_AGO = new Date(Date.now() - 3_600_000);

/** The embedded store in `dir`, even when the harness runs on Postgres. */
function pgliteEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = daemonEnv(h, { ...extra, DATA_DIR: dir });
  delete env.DATABASE_URL;
  return env;
}

/** The harness's own embedded data directory, or (harness on Postgres) a fresh one. */
const pgliteDir = async () => (h.databaseUrl ? freshPgliteDir(h.cwd) : h.dataDir);

const requestCount = () => h.org.requests.length + h.secoda.requests.length;

describe('PGlite: one process per data directory', () => {
  it('a second daemon, or a reconcile, on the same DATA_DIR fails naming the holder; reconcile --wait runs once the daemon is gone', async () => {
    seedInSync(h, 2);
    const dir = await pgliteDir();
    const a = spawnCli(['daemon'], pgliteEnv(dir, ONCE), h.cwd);
    await a.waitForLine(runFinished, 'the first daemon\'s run');
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: a.pid, host: hostname(), command: 'daemon', leaseMs: 60_000 });
    const before = requestCount();

    // A second daemon, a reconcile and a reconcile --wait, started together while the daemon holds the directory.
    const port = await freePort();
    const b = spawnCli(['daemon'], pgliteEnv(dir, { ...ONCE, HTTP_PORT: String(port) }), h.cwd);
    const r = spawnCli(['reconcile'], pgliteEnv(dir), h.cwd);
    const waitingSince = Date.now();
    const waiting = spawnCli(['reconcile', '--wait', '30'], pgliteEnv(dir), h.cwd);
    const bExit = await b.exited;
    expect(bExit.code, b.stderr()).toBe(1);
    const message = b.stderr();
    expect(message).toContain(`the embedded database in ${dir} is in use by process ${a.pid} on ${hostname()} (daemon, since ${owner.startedAt})`);
    expect(message).toContain(join(dir, LOCK_FILE));
    expect(b.has((l) => l.msg === 'daemon started')).toBe(false);
    await expect(get(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    expect((await r.exited).code, r.stderr()).toBe(1);
    expect(r.stderr()).toContain(`is in use by process ${a.pid}`);
    expect(r.stdout()).toBe('');
    expect(requestCount()).toBe(before);

    // --wait: keeps trying to open the store until the daemon has gone.
    await new Promise((res) => setTimeout(res, Math.max(0, waitingSince + 1_500 - Date.now())));
    expect(waiting.exit).toBeUndefined();
    expect(requestCount()).toBe(before);
    const aExit = await a.stop('SIGTERM');
    expect(aExit.code, a.stderr()).toBe(0);
    const wExit = await waiting.exited;
    expect(wExit.code, waiting.stderr()).toBe(0);
    expect(JSON.parse(waiting.stdout())).toMatchObject({ mode: 'apply', status: 'succeeded' });
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('a lock file whose process no longer runs is taken over, and one of another host once its lease has run out', async () => {
    // In this process (startCli): the lock file's verdicts need no process of their own; the
    // test above races real processes.
    seedInSync(h, 2);
    const dir = await pgliteDir();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'daemon' }));
    const d = startCli(['daemon'], pgliteEnv(dir, ONCE), h.cwd);
    const done = await d.waitForLine(runFinished, 'a run after the takeover');
    expect(done.status).toBe('succeeded');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect((await d.stop('SIGTERM')).code).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    // A lock file that is not even JSON (an older version crashed mid-write) is taken over once it is
    // a few seconds old (the lock is written atomically now: an unreadable one is nobody's).
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    utimesSync(join(dir, LOCK_FILE), HOUR_AGO, HOUR_AGO);
    const d2 = startCli(['daemon'], pgliteEnv(dir, ONCE), h.cwd);
    expect((await d2.waitForLine(runFinished, 'a run after the second takeover')).status).toBe('succeeded');
    expect((await d2.stop('SIGTERM')).code).toBe(0);

    // A container restarted after a crash: the new process has the same pid as the one that
    // wrote the lock (pid 1 in a container) — the file cannot belong to a live process. Here:
    // this process's pid, in a lock file this process does not hold.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'daemon' }));
    const d4 = startCli(['daemon'], pgliteEnv(dir, ONCE), h.cwd);
    expect((await d4.waitForLine(runFinished, 'a run over a lock file with its own pid')).status).toBe('succeeded');
    expect((await d4.stop('SIGTERM')).code).toBe(0);

    // A recreated container (another host name): its lock is taken over once its holder has not
    // refreshed it for its lease.
    const elsewhere = { pid: gone, host: 'elsewhere.example', startedAt: '2026-01-01T00:00:00.000Z', command: 'daemon', token: 't', leaseMs: 60_000 };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(elsewhere));
    utimesSync(join(dir, LOCK_FILE), HOUR_AGO, HOUR_AGO);
    const d5 = startCli(['daemon'], pgliteEnv(dir, ONCE), h.cwd);
    expect((await d5.waitForLine(runFinished, 'a run over another host\'s expired lock')).status).toBe('succeeded');
    expect((await d5.stop('SIGTERM')).code).toBe(0);

    // Another host's lock still refreshed: refused, naming that host and the lease.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(elsewhere));
    const before = requestCount();
    const d3 = startCli(['daemon'], pgliteEnv(dir, ONCE), h.cwd);
    expect((await d3.exited).code, d3.stderr()).toBe(1);
    expect(d3.stderr()).toContain(`in use by process ${gone} on elsewhere.example (daemon, since 2026-01-01T00:00:00.000Z); last refreshed `);
    expect(d3.stderr()).toMatch(/last refreshed \d+s ago, taken over if not refreshed for 60s/);
    expect(requestCount()).toBe(before);
  });
});

/** Pages in page order within each pull (a pull starts at page 1). */
function sortedPerPull(pages: string[]): string[] {
  const pulls: string[][] = [];
  for (const p of pages) (p === '1' || pulls.length === 0 ? pulls.push([p]) : pulls.at(-1)!.push(p));
  return pulls.flatMap((pull) => pull.sort((a, b) => Number(a) - Number(b)));
}

/** Which requests of `log` fall inside which run. */
function attribute(log: { at: number; path: string; query: Record<string, string> }[], runs: ListedRun[]) {
  const spans = runs.map((r) => ({ id: r.runId, s: Date.parse(r.startedAt), f: Date.parse(r.finishedAt!) }));
  const byRun = new Map<number, string[]>();
  const outside: unknown[] = [];
  for (const req of log) {
    // Run times are whole milliseconds from the database; arrival times are Date.now() here.
    const hits = spans.filter((sp) => req.at >= sp.s - 1 && req.at <= sp.f + 1);
    if (hits.length !== 1) {
      outside.push({ at: req.at, path: req.path, query: req.query, runs: hits.map((x) => x.id) });
      continue;
    }
    const list = byRun.get(hits[0]!.id) ?? [];
    list.push(req.query.page_number ?? req.query.page ?? '');
    byRun.set(hits[0]!.id, list);
  }
  // Pages after the first are fetched several at a time: per pull, the set of pages matters, not their order.
  for (const [id, pages] of byRun) byRun.set(id, sortedPerPull(pages));
  return { byRun, outside };
}

describe.skipIf(!testServerUrl())('Postgres: daemons and one-shot runs on one database', () => {
  it('two daemons never overlap: one leads, the other logs "not the leader" and takes over when the leader stops', async () => {
    // 250 users: 3 org pages and 6 Secoda pages at 150 ms each, so ticks (every second) come while a run goes.
    seedInSync(h, 250);
    h.org.setLatency(150);
    h.secodaLatency({ read: 150 });
    // SECODA_REFRESH=0: every run reads Secoda's list, so each run's reads show in the simulators' logs.
    const env = daemonEnv(h, { SYNC_SCHEDULE: '* * * * * *', RUN_ON_START: 'true', SECODA_REFRESH: '0' });
    const d1 = spawnCli(['daemon'], env, h.cwd);
    const d2 = spawnCli(['daemon'], env, h.cwd);
    const leaderOf = () => [d1, d2].find((d) => d.has((l) => l.msg === 'this replica is now the leader'));
    const leader = await until(leaderOf, 'a leader', 20_000);
    const standby = leader === d1 ? d2 : d1;
    const notLeader = await standby.waitForLine((l) => /^tick skipped: not the leader/.test(l.msg), 'the standby skipping a tick');
    expect(notLeader.msg).toContain(`secoda-user-sync daemon ${hostname()}:${leader.pid}`);
    await until(() => leader.lines.filter(runFinished).length >= 2, 'two runs by the leader', 30_000);
    expect(standby.lines.filter(runStarted)).toEqual([]);

    // The leader goes: the standby takes over at its next tick.
    const stopAt = Date.now();
    expect((await leader.stop('SIGTERM')).code, leader.stderr()).toBe(0);
    await standby.waitForLine((l) => l.msg === 'this replica is now the leader', 'the standby taking over', 20_000);
    const takeover = await standby.waitForLine(runFinished, 'a run by the new leader', 30_000);
    expect(takeover.status).toBe('succeeded');
    expect(standby.lines.find(runStarted)!.time!).toBeGreaterThanOrEqual(stopAt);
    expect((await standby.stop('SIGTERM')).code, standby.stderr()).toBe(0);

    const runs = await listRuns(h);
    const logged = (p: Proc) => p.lines.filter(runStarted).map((l: LogLine) => l.runId);
    expect([...logged(leader), ...logged(standby)].sort((x, y) => x! - y!)).toEqual(runs.map((r) => r.runId));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.every((r) => r.finishedAt !== null)).toBe(true);
    expect(overlaps(runs)).toEqual([]);

    // The org API saw each run's pages as one uninterrupted sequence 1, 2, 3 (per pull), never two runs interleaved.
    const listReqs = h.org.requests.filter((r) => r.method === 'GET' && /\/organization\/users$/.test(r.path));
    const org = attribute(listReqs, runs);
    expect(org.outside).toEqual([]);
    for (const run of runs) {
      const pages = org.byRun.get(run.runId) ?? [];
      if (run.status === 'succeeded') expect(pages.join(','), `run ${run.runId}`).toMatch(/^1,2,3(,1,2,3)?$/);
      else expect(pages.join(','), `run ${run.runId} (${run.status})`).toMatch(/^(1(,2(,3)?)?)?$/);
    }
    const secoda = attribute(h.secoda.requests.filter((r) => r.method === 'GET'), runs);
    expect(secoda.outside).toEqual([]);
    for (const run of runs.filter((r) => r.status === 'succeeded')) expect(secoda.byRun.get(run.runId)!.join(','), `run ${run.runId}`).toBe('1,2,3,4,5,6');
  });

  it('a leader whose lock connections drop mid-run stops dispatching writes, and leads again at the next tick', async () => {
    h.org.seed([{ email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] }, ...Array.from({ length: 10 }, (_, i) => ({ email: `new${i}@acme.com`, name: `New ${i}`, roles: ['analyst'] }))]);
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
    const posts = () => h.secoda.requests.filter((r) => r.method === 'POST');
    h.secodaLatency({ write: 300 });
    const d = spawnCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '*/2 * * * * *', RUN_ON_START: 'true', MAX_CONCURRENCY: '1' }), h.cwd);
    const first = await d.waitForLine(runStarted, 'the first run');
    await until(() => posts().filter((p) => p.status === 201).length >= 2, 'two invites answered', 20_000, 10);
    const name = new URL(h.databaseUrl!).pathname.slice(1);
    const admin = postgres(testServerUrl()!, { max: 1, onnotice: () => {} });
    let cutAt: number;
    try {
      const killed = await admin`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = ${name} and application_name like ${`secoda-user-sync daemon %:${d.pid}`}`;
      cutAt = Date.now();
      expect(killed.length).toBe(2); // the leader lock's connection and the run lock's
    } finally {
      await admin.end({ timeout: 5 });
    }
    await d.waitForLine((l) => /^leadership lost/.test(l.msg), 'leadership lost');
    const interrupted = await d.waitForLine(runFinished, 'the first run to end');
    expect(interrupted.runId).toBe(first.runId);
    expect(interrupted.status).toBe('interrupted');
    // Only the write in flight when the connections dropped went on; a write dispatched after
    // the loss would arrive a whole write (300 ms) or more later.
    expect(posts().filter((p) => p.at > cutAt + 250)).toEqual([]);
    expect(posts().length).toBeLessThan(10);
    h.secodaLatency({ write: 0 });
    // The next tick takes the leadership again and finishes the job.
    await until(() => d.lines.filter((l) => l.msg === 'this replica is now the leader').length >= 2, 'leading again', 20_000);
    const second = await d.waitForLine((l) => runFinished(l) && l.runId !== first.runId, 'the next run', 20_000);
    expect(second.status).toBe('succeeded');
    expect((await d.stop('SIGTERM')).code, d.stderr()).toBe(0);
    const runs = await listRuns(h);
    expect(overlaps(runs)).toEqual([]);
    const emails = h.secoda.users().map((u) => u.email);
    expect(emails).toHaveLength(11);
    expect(new Set(emails).size).toBe(11);
  });

  it('a daemon tick that finds a one-shot reconcile running is skipped, naming it', async () => {
    seedInSync(h, 2);
    let letThrough!: () => void;
    const gate = new Promise<void>((res) => (letThrough = res));
    h.org.onPage(() => gate);
    const oneShot = spawnCli(['reconcile'], daemonEnv(h, { HTTP_TIMEOUT: '60s' }), h.cwd);
    await until(() => h.org.requests.length >= 1, 'the one-shot run reading', 20_000, 10);
    const d = spawnCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '* * * * * *', RUN_ON_START: 'true' }), h.cwd);
    const skipped = await d.waitForLine((l) => /^tick skipped: another reconcile is running/.test(l.msg), 'a tick skipped for the one-shot run');
    expect(skipped.msg).toContain(`secoda-user-sync reconcile ${hostname()}:${oneShot.pid}`);
    expect(d.has(runStarted)).toBe(false);
    letThrough();
    expect((await oneShot.exited).code, oneShot.stderr()).toBe(0);
    await d.waitForLine(runFinished, 'the daemon running after it');
    expect((await d.stop('SIGTERM')).code, d.stderr()).toBe(0);
    expect(overlaps(await listRuns(h))).toEqual([]);
  });

  it('reconcile next to the daemon: exits 1 naming the holder; with --wait it runs after the daemon\'s run', async () => {
    seedInSync(h, 2);
    h.org.seed([{ email: 'new@acme.com', name: 'New Hire', roles: ['analyst'] }]);
    // The daemon's run holds the run lock until the org's first page is let through.
    let letThrough!: () => void;
    const gate = new Promise<void>((res) => (letThrough = res));
    h.org.onPage(() => gate);
    const d = spawnCli(['daemon'], daemonEnv(h, { ...ONCE, HTTP_TIMEOUT: '60s' }), h.cwd);
    const started = await d.waitForLine(runStarted, 'the daemon\'s run');

    // Another database on the same server has its own sync, holding its own run lock: advisory
    // locks are per database, and so must the holder named be.
    const other = await createTestDatabase(testServerUrl()!);
    const decoy = postgres(other.databaseUrl, { max: 1, onnotice: () => {}, connection: { application_name: 'decoy in another database' } });
    try {
      await decoy`select pg_advisory_lock(${RUN_LOCK_KEY})`;
      const busy = spawnCli(['reconcile'], daemonEnv(h), h.cwd);
      expect((await busy.exited).code, busy.stderr()).toBe(1);
      expect(busy.stderr()).toContain(`error: another reconcile is running on this database: secoda-user-sync daemon ${hostname()}:${d.pid}`);
      expect(busy.stderr()).toContain('--wait SECONDS');
      expect(busy.stdout()).toBe('');
    } finally {
      await decoy.end({ timeout: 5 });
      await dropTestDatabase(testServerUrl()!, other.name);
    }

    const waited = spawnCli(['reconcile', '--wait', '40'], daemonEnv(h), h.cwd);
    // It is waiting: it has not read anything yet.
    await new Promise((res) => setTimeout(res, 1_500));
    expect(waited.exit).toBeUndefined();
    expect(h.org.requests).toHaveLength(1);
    letThrough();
    const daemonRun = await d.waitForLine(runFinished, 'the daemon\'s run to finish', 30_000);
    expect(daemonRun.runId).toBe(started.runId);
    expect(daemonRun.status).toBe('succeeded');
    const wExit = await waited.exited;
    expect(wExit.code, waited.stderr()).toBe(0);
    const report = JSON.parse(waited.stdout());
    expect(report).toMatchObject({ mode: 'apply', status: 'succeeded' });
    // The daemon's run did the invite; the one-shot run found nothing left to do.
    expect(report.actions).toEqual([]);

    expect((await d.stop('SIGTERM')).code, d.stderr()).toBe(0);
    const runs = await listRuns(h);
    expect(runs.map((r) => [r.runId, r.status])).toEqual([[started.runId, 'succeeded'], [report.runId, 'succeeded']]);
    expect(Date.parse(runs[1]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[0]!.finishedAt!));
    expect(overlaps(runs)).toEqual([]);
    expect(h.secoda.byEmail('new@acme.com')).toBeDefined();
    expect(h.secoda.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
