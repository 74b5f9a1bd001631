/**
 * A pause made while the daemon's run is applying stops that run's writes:
 * the write in flight finishes, no new one is sent, and the run is recorded
 * `interrupted` by the pause, with its hold. Real HTTP (a Secoda simulator
 * slow on writes), real database.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { loadSyncConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { Metrics } from '../../src/daemon/metrics.js';
import { createLogger } from '../../src/observe/logger.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { startDaemonHarness, until, writesOf } from './helpers.js';

let h: Awaited<ReturnType<typeof startDaemonHarness>>;
let store: Store;
beforeEach(async () => {
  h = await startDaemonHarness();
  store = await openStore({ dataDir: h.dataDir, ...(h.databaseUrl ? { databaseUrl: h.databaseUrl } : {}) });
});
afterEach(async () => {
  await store.close();
  await h.close();
});

it('pausing mid-apply stops the run after the write in flight; the next run is held by the pause', async () => {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    ...Array.from({ length: 8 }, (_, i) => ({ email: `new${i}@acme.com`, name: `New ${i}`, roles: ['analyst'] })),
  ]);
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
  h.secodaLatency({ write: 1_500 });
  const d = new Daemon({
    sync: loadSyncConfig({ ...h.env, MAX_CONCURRENCY: '1' }),
    daemon: loadDaemonConfig({ HTTP_PORT: '0', RUN_ON_START: 'false', RUN_RETENTION_DAYS: '0' }),
    store,
    logger: createLogger({ level: 'silent', pretty: false }),
    metrics: new Metrics({ processMetrics: false }),
  });
  try {
    const tick = d.tick();
    await until(() => writesOf(h.secoda).length >= 1, 'the first invite sent', 20_000);
    await store.pause('wrong org list', 'ana@ops');
    expect(await tick).toBe('ran');

    const sent = writesOf(h.secoda).length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThan(8);
    const [run] = await store.listRuns(1);
    expect(run!.status).toBe('interrupted');
    expect(run!.error).toMatch(/^interrupted by a pause \(paused: wrong org list \(since .*, by ana@ops\)\): \d+ action\(s\) done, 0 failed, \d+ not started$/);
    expect(run!.holds.at(-1)).toMatch(/^paused: wrong org list .*; stopped this run's writes$/);
    const actions = await store.listActions(run!.id);
    expect(actions.filter((a) => a.status === 'succeeded')).toHaveLength(sent);
    expect(actions.filter((a) => a.status === 'planned')).toHaveLength(8 - sent);

    // The next run reads and plans the rest, and writes nothing.
    expect(await d.tick()).toBe('ran');
    expect(writesOf(h.secoda)).toHaveLength(sent);
    expect((await store.listRuns(1))[0]).toMatchObject({ status: 'held' });
  } finally {
    await d.stop(5_000);
  }
});
