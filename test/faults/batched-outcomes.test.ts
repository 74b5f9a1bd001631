/**
 * Outcomes recorded in batches (src/app/outcome-recorder.ts) against the
 * simulators and a real database, many writes in flight: every outcome
 * reaches its action row and the snapshot; a batch the database refuses has
 * every one of its actions marked `unknown` with what Secoda answered —
 * never `planned` for a write that was sent — and the next run converges.
 * (A SIGKILL with a batch unwritten: test/faults/crash.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/app/reconcile.js';
import { wireAdapters } from '../../src/app/wire.js';
import { loadSyncConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observe/logger.js';
import type { OutcomeRecord, Store } from '../../src/store/types.js';
import { duplicateEmails, managedSecoda, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('batched-outcomes');
const ENV = { MAX_CONCURRENCY: '8', SECODA_WRITE_RATE: '100000/s', MAX_DELETES: '1000', MAX_DELETE_PERCENT: '100' };
const N = 40;

function seed(h: FaultHarness) {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
    ...Array.from({ length: N }, (_, i) => ({ email: `new${i}@acme.com`, name: `New ${i}`, roles: ['analyst'] })),
    ...Array.from({ length: N }, (_, i) => ({ email: `up${i}@acme.com`, roles: ['developer'] })),
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    ...Array.from({ length: N }, (_, i) => ({ email: `up${i}@acme.com`, role: 'viewer' })),
    ...Array.from({ length: N }, (_, i) => ({ email: `gone${i}@acme.com`, role: 'viewer' })),
  ]);
}

async function runWith(h: FaultHarness, wrap: (s: Store) => Store = (s) => s) {
  const config = loadSyncConfig({ ...h.env, ...ENV });
  const logger = createLogger({ level: 'silent', pretty: false });
  const store = await h.store();
  const report = await reconcile({ config, store: wrap(store), ...wireAdapters(config, { logger }), logger }, { dryRun: false });
  return { report, rows: await store.listActions(report.runId), store };
}

/** The store, its first recordOutcomes call of two or more outcomes failing; the outcomes of that call are kept. */
function failingFirstBatch(store: Store, failed: OutcomeRecord[][]): Store {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== 'recordOutcomes') return value.bind(target);
      return async (list: readonly OutcomeRecord[]) => {
        if (failed.length === 0 && list.length >= 2) {
          failed.push([...list]);
          throw new Error('disk full (injected)');
        }
        return target.recordOutcomes(list);
      };
    },
  });
}

describe('outcomes recorded in batches', () => {
  it('every outcome of a concurrent apply is recorded, and the snapshot follows every write', async () => {
    const h = await suite.start();
    seed(h);
    const { report, rows, store } = await runWith(h);
    expect(report.status).toBe('succeeded');
    expect(report.summary).toMatchObject({ invite: N, update_role: N, delete: N, failed: 0 });
    expect(rows).toHaveLength(3 * N);
    for (const a of rows) {
      expect(a.status, `${a.type} ${a.email}`).toBe('succeeded');
      expect(a.httpStatus).toBe(a.type === 'invite' ? 201 : a.type === 'delete' ? 204 : 200);
      expect(a.startedAt).not.toBeNull();
      expect(a.finishedAt).not.toBeNull();
    }
    // The snapshot is Secoda as it now is: every invite in, every delete out, every re-role applied.
    const live = h.secoda.users().map((u) => [u.id, u.email, u.role] as const).sort();
    const snapshot = (await store.listSecodaSnapshot()).map((r) => [r.id, r.email, r.role] as const).sort();
    expect(snapshot).toEqual(live);

    const again = await h.run(['reconcile'], ENV);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().actions).toEqual([]);
  });

  it('a batch the database refuses: all of its actions are marked unknown with what Secoda answered; the next run converges', async () => {
    const h = await suite.start();
    seed(h);
    const failed: OutcomeRecord[][] = [];
    const { report, rows } = await runWith(h, (s) => failingFirstBatch(s, failed));
    expect(failed).toHaveLength(1);
    const batch = failed[0]!;
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(
      new RegExp(`^could not record the outcome of \\w+ \\S+ \\(and ${batch.length - 1} other outcome\\(s\\) written with it\\), sent to Secoda: disk full \\(injected\\); no further write was started`),
    );
    const inBatch = new Set(batch.map((o) => o.actionId));
    for (const a of rows.filter((r) => inBatch.has(r.id))) {
      expect(a.status, `${a.type} ${a.email}`).toBe('unknown');
      expect(a.httpStatus).toBe(a.type === 'delete' ? 204 : a.type === 'invite' ? 201 : 200);
      expect(a.error).toMatch(/^sent; outcome not recorded: disk full \(injected\) \(Secoda answered \d+ /);
    }
    // Nothing sent is left looking unsent: a write Secoda carried out is succeeded or unknown.
    const written = new Set(h.secoda.requests.filter((q) => q.method === 'DELETE' && q.status === 204).map((q) => q.path.split('/').filter(Boolean).pop()));
    for (const a of rows.filter((r) => r.type === 'delete')) {
      expect(written.has(a.secodaId!) ? ['succeeded', 'unknown'] : ['planned']).toContain(a.status);
    }
    expect(rows.some((r) => r.status === 'planned')).toBe(true); // the later phases were never started

    const again = await h.run(['reconcile'], ENV);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().status).toBe('succeeded');
    const users = h.secoda.users();
    expect(duplicateEmails(users)).toEqual([]);
    const want: Record<string, string> = { 'root@acme.com': 'admin' };
    for (let i = 0; i < N; i++) {
      want[`new${i}@acme.com`] = 'viewer';
      want[`up${i}@acme.com`] = 'editor';
    }
    expect(managedSecoda(users)).toEqual(want);
  });
});
