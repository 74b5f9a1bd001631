/**
 * A one-shot run opens the embedded database in the background (it starts
 * on its thread in ~0.3 s) and reads the org meanwhile: the org's list needs
 * nothing of the database. Secoda is read, and anything recorded or
 * written, only once the database answers; a database that never does is
 * the run's error, and the org read stops behind it.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/app/reconcile.js';
import { runLocked } from '../../src/app/run.js';
import { undo } from '../../src/app/undo.js';
import { wireAdapters } from '../../src/app/wire.js';
import { loadSyncConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observe/logger.js';
import { StoreError } from '../../src/store/errors.js';
import type { Store } from '../../src/store/types.js';
import { isWrite, until, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('store-opening');

/** The store, its first answer (latestRun: the run's first question) held until `answer` settles. */
function answeringLate(store: Store, answer: () => Promise<void>): Store {
  let first = true;
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'latestRun' && first) {
        first = false;
        return async () => {
          await answer();
          return target.latestRun();
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function runWith(h: FaultHarness, store: Store) {
  const config = loadSyncConfig({ ...h.env, MAX_CONCURRENCY: '1' });
  const logger = createLogger({ level: 'silent', pretty: false });
  return reconcile({ config, store, ...wireAdapters(config, { logger }), logger }, { dryRun: false });
}

function seed(h: FaultHarness, orgUsers: number) {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
    ...Array.from({ length: orgUsers - 1 }, (_, i) => ({ email: `u${i}@acme.com`, name: `U ${i}`, roles: ['developer'] })),
  ]);
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
}

describe('a run whose database is still opening', () => {
  it('reads the org meanwhile, and Secoda, its records and its writes only once the database answers', async () => {
    const h = await suite.start();
    seed(h, 3);
    let orgReadFirst = false;
    let answeredAt = 0;
    const store = answeringLate(await h.store(), async () => {
      // Held until the org's list has been read in full: a run that waited for the database first never gets here.
      await until(() => h.org.requests.length > 0 && h.org.requests.every((q) => q.status !== 0), 'the org read before the database answers', 5_000, 5);
      orgReadFirst = true;
      answeredAt = Date.now();
    });
    const report = await runWith(h, store);
    expect(report.status, report.error ?? '').toBe('succeeded');
    expect(orgReadFirst).toBe(true);
    // The run's record starts with its first request, not when the database could first record it.
    expect(Date.parse(report.startedAt)).toBeLessThanOrEqual(Math.min(...h.org.requests.map((q) => q.at)));
    expect(report.summary.invite).toBe(2);
    // Secoda is read as the database decides (a first run: in full), after it answered.
    expect(Math.min(...h.secoda.requests.map((q) => q.at))).toBeGreaterThanOrEqual(answeredAt);
    expect(h.secoda.requests.filter(isWrite)).toHaveLength(2);
    // The org read made before the run was recorded is the run's: its snapshot is stored.
    expect((await store.listOrgSnapshot(report.runId)).map((u) => u.email).sort()).toEqual(['root@acme.com', 'u0@acme.com', 'u1@acme.com']);
  });

  it('that never answers fails with why, and no more of the org is read behind it', async () => {
    // Five pages of the org, each answered 150 ms late; one page at a time (MAX_CONCURRENCY 1).
    const h = await suite.start({ org: { latencyMs: 150 } });
    seed(h, 450);
    const store = answeringLate(await h.store(), async () => {
      await until(() => h.org.requests.length > 0, 'the org read under way', 5_000, 5);
      throw new StoreError('cannot open the embedded database in /data: PGlite failed to initialize properly', 'E_INJECTED');
    });
    await expect(runWith(h, store)).rejects.toThrow('cannot open the embedded database in /data: PGlite failed to initialize properly');
    // The org read has settled by the time the run's caller hears of it: nothing reads on behind it.
    const asked = h.org.requests.length;
    expect(asked).toBeLessThan(5);
    await new Promise((r) => setTimeout(r, 400));
    expect(h.org.requests.length).toBe(asked);
    expect(h.secoda.requests).toEqual([]);
    // No run was recorded: the database never answered.
    expect(await (await h.store()).latestRun()).toBeNull();
  });

  it('undoes a run a killed process left running only once the lock has recorded it abandoned, however long that takes', async () => {
    const h = await suite.start();
    seed(h, 2);
    const store = await h.store();
    const first = await runWith(h, store);
    expect(first.summary.invite).toBe(1);
    // As a process killed after its writes leaves it.
    await store.updateRun(first.runId, { status: 'running', finishedAt: null });
    const slowMarking = new Proxy(store, {
      get(target, prop) {
        if (prop === 'markAbandonedRuns') {
          return async () => {
            await new Promise((r) => setTimeout(r, 200));
            return target.markAbandonedRuns();
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const config = loadSyncConfig(h.env);
    const logger = createLogger({ level: 'silent', pretty: false });
    const report = await runLocked({ config, store: slowMarking, logger, label: 'undo', waitMs: 0 }, (run) => undo(run, { runId: first.runId, dryRun: true }));
    expect(report).toMatchObject({ mode: 'undo-dry-run', undoOf: first.runId, status: 'succeeded' });
    expect(report.actions.map((a) => [a.type, a.email])).toEqual([['delete', 'u0@acme.com']]);
    expect((await store.getRun(first.runId))?.status).toBe('abandoned');
  });
});
