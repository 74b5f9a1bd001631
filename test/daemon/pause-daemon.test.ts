/**
 * The operator's one command, against a running daemon: `pause` from another
 * process holds the daemon's next runs (it keeps its schedule, reads and
 * plans, writes nothing) and the webhook hears it once; `resume` lets the
 * next run write, and the webhook hears that once. Postgres only: the
 * embedded store admits one process, so a second one cannot reach a
 * database a running daemon holds (documented).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testServerUrl } from '../helpers/db.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { daemonEnv, killAll, runFinished, seedInSync, startCli, startWebhookReceiver, until, writesOf, type WebhookReceiver } from './helpers.js';

let h: Harness;
let hook: WebhookReceiver;
beforeEach(async () => {
  h = await startHarness();
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  await killAll();
  await hook.close();
  await h.close();
});

describe.skipIf(!testServerUrl())('pause against a running daemon (Postgres)', () => {
  it('pause holds the scheduled runs and posts once; resume posts once and the next run writes', async () => {
    seedInSync(h, 2);
    const d = startCli(['daemon'], daemonEnv(h, { SYNC_SCHEDULE: '* * * * * *', RUN_ON_START: 'true', ALERT_WEBHOOK_URL: hook.url }), h.cwd);
    await d.waitForLine((l) => runFinished(l) && l.status === 'succeeded', 'a first good run');

    const p = await h.run(['pause', '--reason', 'INC-5 checking the org feed', '--by', 'ana@ops']);
    expect(p.code, p.stderr).toBe(0);
    h.org.seed([{ email: 'joiner@acme.com', name: 'New Joiner', roles: ['analyst'] }]);
    const heldRuns = () => d.lines.filter((l) => runFinished(l) && l.status === 'held').length;
    await until(() => heldRuns() >= 3, 'three held runs', 30_000);
    expect(writesOf(h.secoda)).toEqual([]);
    expect(hook.received.map((r) => r.body.alert)).toEqual(['paused']);
    expect(hook.received[0]!.body.text).toContain('secoda-user-sync is paused: INC-5 checking the org feed');

    expect((await h.run(['resume', '--by', 'ben@ops'])).code).toBe(0);
    await until(() => writesOf(h.secoda).some((w) => w.method === 'POST'), 'the invite after resume', 30_000);
    await until(() => hook.received.length >= 2, 'the resumed alert', 10_000);
    expect(hook.received.map((r) => r.body.alert)).toEqual(['paused', 'resumed']);
    expect((await d.stop('SIGTERM')).code, d.stderr()).toBe(0);
  });
});
