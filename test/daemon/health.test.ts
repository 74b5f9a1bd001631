/**
 * /healthz, /readyz and /metrics of the daemon (docs/operations.md,
 * "Monitoring and alerts").
 */
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { testServerUrl } from '../helpers/db.js';
import { warpClock } from '../http/warp-clock.js';
import { daemonEnv, freePort, get, killAll, listRuns, runFinished, startCli, until } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ reopenStore: true }); // daemons in child processes open the database
});
afterEach(async () => {
  await killAll();
  await h.close();
});

/** The value of one sample line, e.g. metric('x_total{a="b"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('daemon HTTP endpoints', () => {
  it('/healthz, /readyz and /metrics answer with the documented content', async () => {
    h.org.seed([
      { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
      { email: 'ada@acme.com', name: 'Ada Lovelace', roles: ['analyst'] },
      { email: 'alan@acme.com', name: 'Alan Turing', roles: ['developer'] },
    ]);
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin', first_name: 'Root', last_name: 'Admin' }]);
    // One 429 on the Secoda list: the client waits Retry-After (on a warp clock: at once) and goes on.
    h.secoda.fault({ kind: 'status', status: 429, retryAfter: '1', method: 'GET', path: /\/api\/v1\/user\/?$/ });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const d = startCli(['daemon'], daemonEnv(h, { HTTP_PORT: String(port), SYNC_SCHEDULE: '0 0 1 1 *', RUN_ON_START: 'true' }), h.cwd, { clock: warpClock() });
    const listening = await d.waitForLine((l) => /^health and metrics on /.test(l.msg), 'the health server');
    expect(listening.port).toBe(port);
    const done = await d.waitForLine(runFinished, 'the first run');
    expect(done.status).toBe('succeeded');

    const health = await get(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(health.type).toMatch(/^application\/json/);
    const hj = JSON.parse(health.body);
    expect(hj.status).toBe('ok');
    expect(hj.lastRun).toMatchObject({ id: done.runId, status: 'succeeded' });
    expect(Date.parse(hj.lastRun.finishedAt)).toBeLessThanOrEqual(Date.now());

    const ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true });

    const metrics = await get(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = metrics.body;
    expect(sample(m, 'secoda_user_sync_runs_total{status="succeeded",mode="apply"}')).toBe(1);
    expect(sample(m, 'secoda_user_sync_actions_total{type="invite",status="succeeded"}')).toBe(2);
    expect(sample(m, 'secoda_user_sync_run_duration_seconds_count{status="succeeded"}')).toBe(1);
    expect(m).toMatch(/^secoda_user_sync_run_duration_seconds_bucket\{le="\+Inf",status="succeeded"\} 1$/m);
    const lastSuccess = sample(m, 'secoda_user_sync_last_success_timestamp_seconds')!;
    expect(Math.abs(lastSuccess - Date.parse(hj.lastRun.finishedAt) / 1000)).toBeLessThan(1);
    expect(sample(m, 'secoda_user_sync_last_run_status{status="succeeded"}')).toBe(1);
    expect(sample(m, 'secoda_user_sync_http_requests_total{api="org",method="GET",status="200"}')).toBe(1);
    expect(sample(m, 'secoda_user_sync_http_requests_total{api="secoda",method="GET",status="429"}')).toBe(1);
    expect(sample(m, 'secoda_user_sync_http_requests_total{api="secoda",method="GET",status="200"}')).toBe(1);
    expect(sample(m, 'secoda_user_sync_http_requests_total{api="secoda",method="POST",status="201"}')).toBe(2);
    expect(sample(m, 'secoda_user_sync_http_throttled_total{api="secoda"}')).toBe(1);
    expect(sample(m, 'secoda_user_sync_snapshot_users{side="org"}')).toBe(3);
    expect(sample(m, 'secoda_user_sync_snapshot_users{side="secoda"}')).toBe(1);
    // The first run reads Secoda's list in full (no snapshot yet): the snapshot it planned on is fresh.
    expect(sample(m, 'secoda_user_sync_secoda_reads_total{mode="full"}')).toBe(1);
    expect(sample(m, 'secoda_user_sync_secoda_snapshot_age_seconds')).toBe(0);
    expect(sample(m, 'secoda_user_sync_is_leader')).toBe(1);
    expect(m).toMatch(/^# TYPE secoda_user_sync_skipped_ticks_total counter$/m);
    // Node's process metrics, with the same prefix.
    expect(sample(m, 'secoda_user_sync_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(m, 'secoda_user_sync_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // No user data in the metrics.
    expect(m).not.toMatch(/acme\.com/);

    expect((await get(`${base}/nope`)).status).toBe(404);
    expect((await get(`${base}/healthz`, { method: 'POST' })).status).toBe(405);

    const exit = await d.stop('SIGTERM');
    expect(exit.code, d.stderr()).toBe(0);
    await expect(get(`${base}/healthz`)).rejects.toThrow();
    const runs = await listRuns(h);
    expect(runs.map((r) => [r.runId, r.status, r.finishedAt])).toEqual([[hj.lastRun.id, 'succeeded', hj.lastRun.finishedAt]]);

    // A restarted daemon reports the recorded last run and last success before running anything.
    const port2 = await freePort();
    const again = startCli(['daemon'], daemonEnv(h, { HTTP_PORT: String(port2), SYNC_SCHEDULE: '0 0 1 1 *', RUN_ON_START: 'false' }), h.cwd);
    await again.waitForLine((l) => l.msg === 'daemon started', 'the restarted daemon');
    const h2 = JSON.parse((await get(`http://127.0.0.1:${port2}/healthz`)).body);
    expect(h2.lastRun).toEqual(hj.lastRun);
    const m2 = (await get(`http://127.0.0.1:${port2}/metrics`)).body;
    expect(sample(m2, 'secoda_user_sync_last_success_timestamp_seconds')).toBeCloseTo(lastSuccess, 2);
    expect(sample(m2, 'secoda_user_sync_is_leader')).toBe(0); // no tick yet
    expect((await again.stop('SIGTERM')).code).toBe(0);
  });

  it.skipIf(!testServerUrl())('/readyz answers 503 while the database does not answer, /healthz stays 200 (Postgres)', async () => {
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }]);
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const d = startCli(['daemon'], daemonEnv(h, { HTTP_PORT: String(port), SYNC_SCHEDULE: '0 0 1 1 *', RUN_ON_START: 'true' }), h.cwd);
    await d.waitForLine(runFinished, 'the first run');
    expect((await get(`${base}/readyz`)).status).toBe(200);

    const name = new URL(h.databaseUrl!).pathname.slice(1);
    const admin = postgres(testServerUrl()!, { max: 1, onnotice: () => {} });
    try {
      // The database refuses new connections and drops the daemon's.
      await admin.unsafe(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
      const down = await until(async () => {
        const r = await get(`${base}/readyz`);
        return r.status === 503 ? r : null;
      }, '/readyz 503', 20_000, 200);
      expect(JSON.parse(down.body)).toEqual({ ready: false });
      const health = await get(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body).lastRun.status).toBe('succeeded');
      // The leader notices that its lock connection closed.
      await d.waitForLine((l) => /^leadership lost/.test(l.msg), 'leadership lost');
      expect(await get(`${base}/metrics`).then((r) => sample(r.body, 'secoda_user_sync_is_leader'))).toBe(0);

      await admin.unsafe(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      await until(async () => (await get(`${base}/readyz`)).status === 200, '/readyz 200 again', 20_000, 200);
    } finally {
      await admin.unsafe(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end({ timeout: 5 });
    }
    const exit = await d.stop('SIGTERM');
    expect(exit.code, d.stderr()).toBe(0);
  });
});
