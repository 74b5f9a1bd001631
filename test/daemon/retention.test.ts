import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { loadSyncConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { Metrics } from '../../src/daemon/metrics.js';
import { createLogger } from '../../src/observe/logger.js';
import type { Store } from '../../src/store/types.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let store: Store;
beforeEach(async () => {
  h = await startHarness();
  h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }]);
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
  store = await h.store();
});
afterEach(async () => {
  await h.close();
});

async function oldRun(daysAgo: number): Promise<number> {
  const id = await store.createRun('apply', new Date(Date.now() - daysAgo * 86_400_000));
  await store.updateRun(id, { status: 'succeeded', finishedAt: new Date(Date.now() - daysAgo * 86_400_000 + 1_000) });
  return id;
}

it('prunes runs older than RUN_RETENTION_DAYS after a run, at most once a day', async () => {
  const daemon = new Daemon({
    sync: loadSyncConfig(h.env),
    daemon: loadDaemonConfig({ HTTP_PORT: '0', RUN_ON_START: 'false', RUN_RETENTION_DAYS: '30' }),
    store,
    logger: createLogger({ level: 'silent', pretty: false }),
    metrics: new Metrics({ processMetrics: false }),
  });
  const expired = await oldRun(45);
  const kept = await oldRun(10);
  expect(await daemon.tick()).toBe('ran');
  expect(await store.getRun(expired)).toBeNull();
  expect(await store.getRun(kept)).not.toBeNull();

  // Within the same day, the next run does not prune again.
  const expiredLater = await oldRun(60);
  expect(await daemon.tick()).toBe('ran');
  expect(await store.getRun(expiredLater)).not.toBeNull();
  await daemon.stop();
});
