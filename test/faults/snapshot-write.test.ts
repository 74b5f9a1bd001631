/**
 * A full read of Secoda is written to the snapshot while the run plans (and
 * reads the org again), once it has read what it plans with; the org's pull
 * to the org snapshot while Secoda is read and the run plans: both writes
 * must be done before the first write to Secoda, and a failure of either
 * fails the run before any write.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/app/reconcile.js';
import { wireAdapters } from '../../src/app/wire.js';
import { loadSyncConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observe/logger.js';
import type { Store } from '../../src/store/types.js';
import { isWrite, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('snapshot-write');

function seed(h: FaultHarness) {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
    { email: 'new@acme.com', name: 'New', roles: ['developer'] },
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    { email: 'left@acme.com', role: 'editor' },
  ]);
}

/** The store, with its method `name` replaced by `replace` (given the real one). */
function withStoreMethod<K extends 'replaceSecodaSnapshot' | 'saveOrgSnapshot'>(store: Store, name: K, replace: (real: Store[K]) => Store[K]): Store {
  const real = (store[name] as (...args: unknown[]) => unknown).bind(store) as Store[K];
  return new Proxy(store, {
    get(target, prop) {
      if (prop === name) return replace(real);
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function runWith(h: FaultHarness, store: Store, dryRun = false) {
  const config = loadSyncConfig({ ...h.env, MAX_CONCURRENCY: '1' });
  const logger = createLogger({ level: 'silent', pretty: false });
  return reconcile({ config, store, ...wireAdapters(config, { logger }), logger }, { dryRun });
}

describe('the Secoda snapshot of a full read', () => {
  it('is written before the first write, however long it takes', async () => {
    const h = await suite.start();
    seed(h);
    const store = await h.store();
    let savedAt: number | undefined;
    let plannedMeanwhile: string[] | undefined;
    const slow = withStoreMethod(store, 'replaceSecodaSnapshot', (real) => async (members, o) => {
      // Compared at once; the writes take longer than planning.
      o?.onCompared?.();
      await new Promise((r) => setTimeout(r, 300));
      plannedMeanwhile = (await store.listActions((await store.latestRun())!.id)).map((a) => a.type).sort();
      await real(members);
      savedAt = Date.now();
    });
    const report = await runWith(h, slow);
    expect(report.status, report.error ?? '').toBe('succeeded');
    const writes = h.secoda.requests.filter(isWrite);
    expect(writes.map((q) => q.method).sort()).toEqual(['DELETE', 'POST']);
    expect(savedAt).toBeDefined();
    expect(Math.min(...writes.map((q) => q.at))).toBeGreaterThanOrEqual(savedAt!);
    // The run planned, and recorded its plan, while the snapshot was being written.
    expect(plannedMeanwhile).toEqual(['delete', 'invite']);
    expect((await store.listSecodaSnapshot()).map((m) => m.email).sort()).toEqual(['new@acme.com', 'root@acme.com']);
  });

  it.each([
    ['while writing the differences (the run planning meanwhile)', true],
    ['while comparing', false],
  ])('failing %s, fails the run before any write, and names the cause', async (_, afterCompare) => {
    const h = await suite.start();
    seed(h);
    const store = await h.store();
    const failing = withStoreMethod(store, 'replaceSecodaSnapshot', () => async (_members, o) => {
      if (afterCompare) o?.onCompared?.();
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('disk full (injected)');
    });
    const report = await runWith(h, failing);
    expect(report.status).toBe('failed');
    expect(report.error).toBe('disk full (injected)');
    expect(h.secoda.requests.filter(isWrite)).toEqual([]);
    expect(report.actions.every((a) => a.status === 'planned')).toBe(true);
    // The next run reads Secoda in full again (the failed run's snapshot is not trusted) and converges.
    const again = await runWith(h, store);
    expect(again.status, again.error ?? '').toBe('succeeded');
    expect(h.secoda.users().map((u) => u.email).sort()).toEqual(['new@acme.com', 'root@acme.com']);
  });

  it('starts once the run has read what it plans with: on the embedded database its transaction would hold those reads back', async () => {
    const h = await suite.start();
    seed(h);
    const store = await h.store();
    const calls: string[] = [];
    const watched = new Set(['currentPause', 'listMissing', 'replaceSecodaSnapshot']);
    const recording = new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (watched.has(String(prop))) calls.push(String(prop));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const report = await runWith(h, recording);
    expect(report.status, report.error ?? '').toBe('succeeded');
    const saveAt = calls.indexOf('replaceSecodaSnapshot');
    expect(calls.indexOf('currentPause'), calls.join()).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('listMissing'), calls.join()).toBeGreaterThanOrEqual(0);
    expect(saveAt, calls.join()).toBeGreaterThan(Math.max(calls.indexOf('currentPause'), calls.indexOf('listMissing')));
    expect((await store.listSecodaSnapshot()).map((m) => m.email).sort()).toEqual(['new@acme.com', 'root@acme.com']);
  });

  it('failing in a dry run, fails the dry run', async () => {
    const h = await suite.start();
    seed(h);
    const failing = withStoreMethod(await h.store(), 'replaceSecodaSnapshot', () => (_members, o) => {
      o?.onCompared?.();
      return Promise.reject(new Error('disk full (injected)'));
    });
    const report = await runWith(h, failing, true);
    expect(report.status).toBe('failed');
    expect(report.error).toBe('disk full (injected)');
  });
});

describe('the org snapshot of a pull', () => {
  it('is written while Secoda is read and the run plans, and before the first write, however long it takes', async () => {
    const h = await suite.start();
    seed(h);
    const store = await h.store();
    let savedAt: number | undefined;
    let plannedMeanwhile: string[] | undefined;
    const slow = withStoreMethod(store, 'saveOrgSnapshot', (real) => async (runId, users) => {
      await new Promise((r) => setTimeout(r, 300));
      plannedMeanwhile = (await store.listActions(runId)).map((a) => a.type).sort();
      await real(runId, users);
      savedAt = Date.now();
    });
    const report = await runWith(h, slow);
    expect(report.status, report.error ?? '').toBe('succeeded');
    const writes = h.secoda.requests.filter(isWrite);
    expect(writes.map((q) => q.method).sort()).toEqual(['DELETE', 'POST']);
    expect(Math.min(...writes.map((q) => q.at))).toBeGreaterThanOrEqual(savedAt!);
    expect(plannedMeanwhile).toEqual(['delete', 'invite']);
    expect((await store.listOrgSnapshot(report.runId)).map((u) => u.email).sort()).toEqual(['new@acme.com', 'root@acme.com']);
  });

  it.each([false, true])('failing, fails the run before any write and names the cause (dry run: %s)', async (dryRun) => {
    const h = await suite.start();
    seed(h);
    const failing = withStoreMethod(await h.store(), 'saveOrgSnapshot', () => async () => {
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('disk full (injected)');
    });
    const report = await runWith(h, failing, dryRun);
    expect(report.status).toBe('failed');
    expect(report.error).toBe('disk full (injected)');
    expect(h.secoda.requests.filter(isWrite)).toEqual([]);
  });
});
