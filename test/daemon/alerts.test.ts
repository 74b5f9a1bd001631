/**
 * Alert webhooks from a running daemon: a lasting failure is one message when it
 * begins (not one per run), the daemon keeps going, and one "succeeded again"
 * message at the first success after; a webhook that cannot be reached
 * changes nothing and its URL is never logged. (Repeats, changed causes and
 * pauses, on a moved clock: alert-edges.test.ts.) The test fires the
 * daemon's scheduled ticks (manualTicks) instead of waiting a second for each;
 * schedule.test.ts runs on node-cron's real ticks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { daemonEnv, freePort, killAll, listRuns, manualTicks, runFinished, seedInSync, startCli, startWebhookReceiver, type WebhookReceiver } from './helpers.js';

let h: Harness;
let hook: WebhookReceiver;
beforeEach(async () => {
  h = await startHarness({ reopenStore: true }); // daemons in child processes open the database
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  await killAll();
  await hook.close();
  await h.close();
});

/** Every org list request is refused until cleared: each run fails on its first read. */
const breakOrg = () => h.org.fault({ kind: 'status', status: 403, method: 'GET', path: '/organization/users', times: 10_000 });

/** Fires scheduled ticks until one runs (one that comes while the start run is still alerting is skipped). */
async function nextRun(ticks: ReturnType<typeof manualTicks>): Promise<void> {
  while ((await ticks.fire()) !== 'ran') await new Promise((r) => setTimeout(r, 20));
}

describe('daemon alerts', () => {
  it('a failing daemon on a seconds schedule posts once when the failure begins, not per run, and once on recovery', async () => {
    seedInSync(h, 2);
    breakOrg();
    const ticks = manualTicks();
    const d = startCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '* * * * * *', RUN_ON_START: 'true', ALERT_WEBHOOK_URL: hook.url }), h.cwd, { ticks: ticks.source });
    await d.waitForLine(runFinished, 'the run on start');
    // Several failed runs (ALERT_REPEAT's 6 h never passes here): one message.
    while (d.lines.filter(runFinished).filter((l) => l.status === 'failed').length < 3) await nextRun(ticks);
    expect(hook.received).toHaveLength(1);
    h.org.clearFaults();
    await nextRun(ticks);
    expect(hook.received.some((r) => r.body.status === 'succeeded')).toBe(true);
    const recoveredAt = d.lines.filter(runFinished).findIndex((l) => l.status === 'succeeded');
    // One more success after the recovery: no alert for it.
    await nextRun(ticks);
    expect(d.lines.filter(runFinished).slice(recoveredAt + 1).some((l) => l.status === 'succeeded')).toBe(true);
    const exit = await d.stop('SIGTERM');
    expect(exit.code, d.stderr()).toBe(0);
    await new Promise((r) => setTimeout(r, 200));

    const runs = await listRuns(h);
    const failed = runs.filter((r) => r.status === 'failed');
    const succeeded = runs.filter((r) => r.status === 'succeeded');
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(succeeded.length).toBeGreaterThanOrEqual(2);
    // All failures came first, then only successes (the fault was cleared once).
    expect(runs.map((r) => r.status).join(',')).toMatch(/^(failed,)+(succeeded,?)+$/);

    const bodies = hook.received.map((r) => r.body);
    // The first failure, then the first success: nothing for the failures between or the successes after.
    expect(bodies.map((b) => [b.runId, b.status, b.alert])).toEqual([
      [failed[0]!.runId, 'failed', 'problem'],
      [succeeded[0]!.runId, 'succeeded', 'recovered'],
    ]);
    const problem = bodies[0];
    expect(problem.text).toContain(`secoda-user-sync run ${problem.runId} FAILED (apply).`);
    expect(problem.text).toContain(`See the full report: secoda-user-sync report ${problem.runId}`);
    expect(problem.mode).toBe('apply');
    expect(problem.error).toMatch(/org/);
    expect(problem.error).toMatch(/ORG_API_TOKEN/);
    expect(problem.text).toContain(`Error: ${problem.error}`);
    const recovery = bodies[1];
    expect(recovery.text).toContain(`secoda-user-sync run ${succeeded[0]!.runId} succeeded again`);
    expect(recovery.text).toContain(`since run ${failed[0]!.runId}`);
    expect(recovery.error).toBeNull();
    expect(hook.received.every((r) => r.path === new URL(hook.url).pathname)).toBe(true);

    expect(d.lines.filter((l) => l.msg === 'alert sent')).toHaveLength(bodies.length);
    // The webhook URL is a credential: never in the logs.
    expect(d.stderr()).not.toContain(new URL(hook.url).pathname);
  });

  it('a webhook that cannot be reached is logged without its URL and changes nothing', async () => {
    seedInSync(h, 2);
    breakOrg();
    const deadUrl = `http://127.0.0.1:${await freePort()}/services/T111/B222/very-secret`;
    const ticks = manualTicks();
    const d = startCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '* * * * * *', RUN_ON_START: 'true', ALERT_WEBHOOK_URL: deadUrl }), h.cwd, { ticks: ticks.source });
    await d.waitForLine(runFinished, 'the run on start');
    while (d.lines.filter((l) => l.msg === 'alert webhook unreachable; alert not delivered').length < 2) await nextRun(ticks);
    expect((await d.stop('SIGTERM')).code, d.stderr()).toBe(0);
    const runs = await listRuns(h);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((r) => r.status === 'failed')).toBe(true);
    expect(d.stderr()).not.toContain('very-secret');
    expect(d.stderr()).not.toContain(deadUrl);
  });
});
