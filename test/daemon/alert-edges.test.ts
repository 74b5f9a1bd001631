/**
 * Alerts an on-call person can live with: a lasting failure posts when it
 * begins, again at most every ALERT_REPEAT, when its cause changes, and once
 * on recovery — across a restart (the state is in the database). A pause
 * posts when the daemon finds it and when it is resumed, never in between,
 * and /metrics shows it. Real HTTP (simulators, a webhook receiver, the
 * daemon's metrics server), a real database, and a wall clock the test moves
 * between manual ticks instead of waiting for a schedule.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { loadSyncConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { Metrics } from '../../src/daemon/metrics.js';
import { createLogger } from '../../src/observe/logger.js';
import type { Store } from '../../src/store/types.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { freePort, get, orgUsers, seedInSync, startWebhookReceiver, type WebhookReceiver } from './helpers.js';

const MIN = 60_000;
const t0 = new Date('2026-05-04T10:00:00.000Z');
let now = t0;
const later = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

let h: Harness;
let hook: WebhookReceiver;
let store: Store;
const daemons: Daemon[] = [];
beforeEach(async () => {
  now = t0;
  h = await startHarness();
  hook = await startWebhookReceiver();
  store = await h.store();
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop(5_000);
  await hook.close();
  await h.close();
});

function daemon(extra: Record<string, string> = {}): Daemon {
  const d = new Daemon({
    sync: loadSyncConfig(h.env),
    daemon: loadDaemonConfig({ HTTP_PORT: '0', RUN_ON_START: 'false', RUN_RETENTION_DAYS: '0', ALERT_WEBHOOK_URL: hook.url, ALERT_REPEAT: '6h', ...extra }),
    store,
    logger: createLogger({ level: 'silent', pretty: false }),
    metrics: new Metrics({ processMetrics: false }),
    now: () => now,
  });
  daemons.push(d);
  return d;
}

async function tickAt(d: Daemon, minutes: number): Promise<void> {
  now = later(minutes);
  expect(await d.tick()).toBe('ran');
}

const alerts = () => hook.received.map((r) => r.body);

describe('alert edges', () => {
  it('posts when a failure begins, every ALERT_REPEAT while it lasts, when its cause changes, and once on recovery; a restart remembers', async () => {
    seedInSync(h, 2);
    h.org.fault({ kind: 'status', status: 403, method: 'GET', path: '/organization/users', times: 10_000 });

    // Every 15 minutes: the first failure posts, the next two do not.
    const a = daemon();
    for (const m of [0, 15, 30]) await tickAt(a, m);
    expect(alerts().map((b) => b.alert)).toEqual(['problem']);
    const first = alerts()[0];
    expect(first.status).toBe('failed');
    expect(first.text).toContain(`secoda-user-sync run ${first.runId} FAILED (apply).`);
    expect(first.text).toContain(`See the full report: secoda-user-sync report ${first.runId}`);
    expect(first.error).toMatch(/ORG_API_TOKEN/);

    // A restart (or another replica taking the lead) goes on from the database: no new "begins".
    await a.stop();
    const b = daemon();
    await tickAt(b, 45);
    expect(alerts()).toHaveLength(1);
    // Six hours after the first post: one reminder naming when it began.
    for (const m of [345, 360, 375]) await tickAt(b, m);
    expect(alerts().map((x) => x.alert)).toEqual(['problem', 'repeat']);
    const repeat = alerts()[1];
    expect(repeat.text).toContain(`still the same problem since run ${first.runId} at ${t0.toISOString()}`);
    expect(repeat.since).toBe(t0.toISOString());
    expect(repeat.text).toContain(`secoda-user-sync report ${repeat.runId}`);

    // Another cause: the org answers again, but both analysts left (mass-delete guard): posted at once.
    h.org.clearFaults();
    h.org.remove('user0000@acme.com');
    h.org.remove('user0001@acme.com');
    await tickAt(b, 390);
    await tickAt(b, 405);
    expect(alerts().map((x) => x.alert)).toEqual(['problem', 'repeat', 'changed']);
    expect(alerts()[2].status).toBe('held');
    expect(alerts()[2].text).toContain('the problem changed');

    // Fixed: one recovery, then silence.
    h.org.seed(orgUsers(2).slice(1));
    await tickAt(b, 420);
    await tickAt(b, 435);
    expect(alerts().map((x) => x.alert)).toEqual(['problem', 'repeat', 'changed', 'recovered']);
    expect(alerts()[3].text).toMatch(/run \d+ succeeded again/);

    const runs = await store.listRuns(50);
    expect(runs).toHaveLength(11);
  });

  it('a webhook that fails is tried again at the next run, not forgotten', async () => {
    seedInSync(h, 1);
    h.org.fault({ kind: 'status', status: 403, method: 'GET', path: '/organization/users', times: 10_000 });
    const dead = daemon({ ALERT_WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/hook` });
    await tickAt(dead, 0);
    await dead.stop();
    expect(alerts()).toEqual([]);
    // The receiver comes back (same daemon state, a working URL): the failure is still news.
    const d = daemon();
    await tickAt(d, 15);
    await tickAt(d, 30);
    expect(alerts().map((b) => b.alert)).toEqual(['problem']);
  });
});

describe('pause alerts and metrics', () => {
  it('posts once when the daemon finds the sync paused, once when resumed; /metrics shows the pause from the database', async () => {
    seedInSync(h, 2);
    const port = await freePort();
    const d = daemon({ HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' });
    await d.start();
    const metric = async () => {
      const body = (await get(`http://127.0.0.1:${port}/metrics`)).body;
      return {
        paused: /^secoda_user_sync_paused (\S+)$/m.exec(body)?.[1],
        since: /^secoda_user_sync_paused_since_timestamp_seconds (\S+)$/m.exec(body)?.[1],
      };
    };
    await tickAt(d, 0);
    expect(alerts()).toEqual([]);
    expect(await metric()).toEqual({ paused: '0', since: '0' });

    // Paused by another process (the CLI): seen at the next scrape, before any run.
    const pausedAt = later(5);
    await store.pause('INC-7 bad import', 'ana@ops', pausedAt);
    expect(await metric()).toEqual({ paused: '1', since: String(pausedAt.getTime() / 1000) });

    await tickAt(d, 15);
    expect(alerts().map((b) => b.alert)).toEqual(['paused']);
    const paused = alerts()[0];
    expect(paused.status).toBe('held');
    expect(paused.text).toContain(`secoda-user-sync is paused: INC-7 bad import (since ${pausedAt.toISOString()}, by ana@ops)`);
    expect(paused.text).toContain('To resume: secoda-user-sync resume');
    expect(paused.text).toContain(`See the full report: secoda-user-sync report ${paused.runId}`);

    // The schedule goes on; a pause is deliberate: no reminders, even after ALERT_REPEAT.
    for (const m of [30, 400, 800]) await tickAt(d, m);
    expect(alerts()).toHaveLength(1);
    expect((await store.listRuns(10)).slice(0, 4).every((r) => r.status === 'held' && r.holds[0]!.startsWith('paused: INC-7'))).toBe(true);

    await store.resume('ben@ops', later(810));
    expect(await metric()).toEqual({ paused: '0', since: '0' });
    await tickAt(d, 815);
    await tickAt(d, 830);
    expect(alerts().map((b) => b.alert)).toEqual(['paused', 'resumed']);
    expect(alerts()[1].status).toBe('succeeded');
    expect(alerts()[1].text).toContain(`resumed (it was paused since run ${paused.runId}`);
  });
});
