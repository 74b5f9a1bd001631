/**
 * Writes the server carried out but whose answer never arrived (the
 * connection dropped after the handler ran): never a duplicate user, and the
 * next run converges without errors. Each write is recorded with the status
 * that really settled it; one whose outcome the database could not take is
 * marked so, never left `planned`.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/app/reconcile.js';
import { wireAdapters } from '../../src/app/wire.js';
import { loadSyncConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observe/logger.js';
import type { ActionRecord, Store } from '../../src/store/types.js';
import { duplicateEmails, managedSecoda, requestsTo, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('lost-response', { warp: true });

function seed(h: FaultHarness) {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
    { email: 'New.Person@acme.com', name: 'New Person', roles: ['developer'] },
    { email: 'up@acme.com', name: 'Up', roles: ['admin'] },
    ...[0, 1, 2, 3, 4, 5].map((i) => ({ email: `same${i}@acme.com`, roles: ['analyst'] })),
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    { email: 'up@acme.com', role: 'viewer' },
    { email: 'left@acme.com', role: 'editor' },
    ...[0, 1, 2, 3, 4, 5].map((i) => ({ email: `same${i}@acme.com`, role: 'viewer' })),
  ]);
}

const WANT = {
  'root@acme.com': 'admin', 'new.person@acme.com': 'editor', 'up@acme.com': 'admin',
  ...Object.fromEntries([0, 1, 2, 3, 4, 5].map((i) => [`same${i}@acme.com`, 'viewer'])),
};
const ENV = { RETRY_LIMIT: '3', MAX_CONCURRENCY: '1' };

/** A run's action rows, as the database holds them. */
async function actionRows(h: FaultHarness, runId: number): Promise<ActionRecord[]> {
  return (await h.store()).listActions(runId);
}

describe('lost responses', () => {
  it('a lost create, then a 5xx and a reset while finding the user again: one user, the invite succeeds', async () => {
    // The "already exists" answer makes the adapter re-read the user list: that read is disturbed too.
    let reread = false;
    let h!: FaultHarness;
    h = await suite.start({
      secoda: {
        onRequest: (e) => {
          if (e.method === 'GET' && !reread && h.secoda.requests.some((q) => q.method === 'POST' && q.status === 400)) {
            reread = true;
            h.secoda.fault({ method: 'GET', kind: 'reset' });
          }
        },
      },
    });
    seed(h);
    h.secoda.fault({ method: 'POST', kind: 'lose-response' });
    h.secoda.fault({ method: 'POST', kind: 'status', status: 503 });
    const r = await h.run(['reconcile'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const invite = r.json().actions.find((a: any) => a.type === 'invite');
    expect(invite).toMatchObject({ email: 'New.Person@acme.com', status: 'succeeded' });
    expect(h.secoda.users().filter((u) => u.email.toLowerCase() === 'new.person@acme.com')).toHaveLength(1);
    expect(duplicateEmails(h.secoda.users())).toEqual([]);
    // created (lost), 503, then "already exists" (400): three POSTs, one creation.
    expect(requestsTo(h.secoda.requests, 'POST').map((q) => q.status)).toEqual(['reset', 503, 400]);
    // Recorded as what happened: settled by the "already exists" answer, not a 201.
    expect(invite.error).toBe('already existed (400 Bad Request): an earlier attempt had created it');
    const row = (await actionRows(h, r.json().runId)).find((a) => a.type === 'invite')!;
    expect(row).toMatchObject({ status: 'succeeded', httpStatus: 400 });
    expect(managedSecoda(h.secoda.users())).toEqual(WANT);
    expect(reread).toBe(true);
    expect(h.secoda.requests.filter((q) => q.method === 'GET').map((q) => q.status)).toEqual([200, 'reset', 200]);

    const again = await h.run(['reconcile'], ENV);
    expect(again.code).toBe(0);
    expect(again.json().actions).toEqual([]);
  });

  it('a lost answer on PATCH and on DELETE: retried, the retry sees the done change (200 / 404), the run succeeds', async () => {
    const h = await suite.start();
    seed(h);
    h.secoda.fault({ method: 'PATCH', kind: 'lose-response' });
    h.secoda.fault({ method: 'DELETE', kind: 'lose-response' });
    const r = await h.run(['reconcile'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().summary).toMatchObject({ invite: 1, update_role: 1, delete: 1, failed: 0 });
    expect(requestsTo(h.secoda.requests, 'PATCH').map((q) => q.status)).toEqual(['reset', 200]);
    expect(requestsTo(h.secoda.requests, 'DELETE').map((q) => q.status)).toEqual(['reset', 404]);
    expect(managedSecoda(h.secoda.users())).toEqual(WANT);
    // The delete was settled by a 404: recorded as such, "already gone"; the others by their own answers.
    const rows = await actionRows(h, r.json().runId);
    expect(rows.map((a) => [a.type, a.status, a.httpStatus, a.error])).toEqual([
      ['delete', 'succeeded', 404, 'already gone (404 Not Found)'],
      ['update_role', 'succeeded', 200, null],
      ['invite', 'succeeded', 201, null],
    ]);
    expect(r.json().actions[0]).toMatchObject({ type: 'delete', status: 'succeeded', error: 'already gone (404 Not Found)' });
  });

  for (const method of ['POST', 'PATCH', 'DELETE'] as const) {
    it(`every answer to a ${method} lost (retry budget spent): the run fails (exit 1), the change was made once, the next run converges without errors`, async () => {
      const h = await suite.start();
      seed(h);
      h.secoda.fault({ method, kind: 'lose-response', times: 4 });
      const r = await h.run(['reconcile'], ENV);
      expect(r.code).toBe(1);
      const failed = r.json().actions.filter((a: any) => a.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0].error).toMatch(new RegExp(`could not reach secoda API for ${method} .*\\(4 attempts\\)`));
      expect(requestsTo(h.secoda.requests, method)).toHaveLength(4);
      // The server did act on the first attempt.
      expect(managedSecoda(h.secoda.users())).toEqual(WANT);
      expect(duplicateEmails(h.secoda.users())).toEqual([]);

      h.secoda.resetLog();
      const again = await h.run(['reconcile'], ENV);
      expect(again.code, again.stderr).toBe(0);
      expect(again.json().status).toBe('succeeded');
      expect(again.json().actions).toEqual([]);
      expect(h.writes()).toEqual([]);
      expect(h.secoda.users().filter((u) => u.email.toLowerCase() === 'new.person@acme.com')).toHaveLength(1);
    });
  }
});

/**
 * The database fails while the apply runs (a wrapper around the real store
 * throws once, on the Nth write of outcomes — each phase's outcomes are
 * written in batches, so here the Nth phase's): the write that was sent is marked
 * `unknown` with what Secoda answered, nothing more is sent, and the run says
 * it wrote — even when a shutdown had been asked for meanwhile.
 */
describe('an outcome the database could not take', () => {
  const INJECTED = 'disk full (injected)';

  function failingOnce(store: Store, nth: number, before?: () => void): Store {
    let calls = 0;
    return new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        if (prop !== 'recordOutcomes') return value.bind(target);
        return async (...args: Parameters<Store['recordOutcomes']>) => {
          if (++calls === nth) {
            before?.();
            throw new Error(INJECTED);
          }
          return target.recordOutcomes(...args);
        };
      },
    });
  }

  async function runWith(h: FaultHarness, wrap: (s: Store) => Store, signal?: AbortSignal) {
    const config = loadSyncConfig({ ...h.env, ...ENV });
    const logger = createLogger({ level: 'silent', pretty: false });
    const store = await h.store();
    const report = await reconcile(
      { config, store: wrap(store), ...wireAdapters(config, { logger }), logger, ...(signal ? { signal } : {}) },
      { dryRun: false },
    );
    return { report, rows: await store.listActions(report.runId) };
  }

  it('the re-role was sent but its record failed: marked unknown with its HTTP status, no further write, the next run converges', async () => {
    const h = await suite.start();
    seed(h);
    // Write 1 records the delete; write 2 (the re-role's record) fails.
    const { report, rows } = await runWith(h, (s) => failingOnce(s, 2));
    expect(report.status).toBe('failed');
    expect(report.error).toBe(
      `could not record the outcome of update_role up@acme.com, sent to Secoda: ${INJECTED}; no further write was started (2 sent in this run)`,
    );
    expect(rows.map((a) => [a.type, a.status, a.httpStatus, a.error])).toEqual([
      ['delete', 'succeeded', 204, null],
      ['update_role', 'unknown', 200, `sent; outcome not recorded: ${INJECTED} (Secoda answered 200 OK)`],
      ['invite', 'planned', null, null],
    ]);
    expect(report.actions.map((a) => a.status)).toEqual(['succeeded', 'unknown', 'planned']);
    expect(requestsTo(h.secoda.requests, 'POST')).toEqual([]);
    expect(h.secoda.byEmail('up@acme.com')?.role).toBe('admin');

    const again = await h.run(['reconcile'], ENV);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().actions.map((a: any) => [a.type, a.email, a.status])).toEqual([['invite', 'New.Person@acme.com', 'succeeded']]);
    expect(managedSecoda(h.secoda.users())).toEqual(WANT);
  });

  it('a store failure after a shutdown signal, with writes sent: failed, naming both, never "interrupted before any write"', async () => {
    const h = await suite.start();
    seed(h);
    const ac = new AbortController();
    // The shutdown arrives while the first write (the delete) is being recorded, and that record fails.
    const { report, rows } = await runWith(h, (s) => failingOnce(s, 1, () => ac.abort()), ac.signal);
    expect(report.status).toBe('failed');
    expect(report.error).not.toMatch(/before any write/);
    expect(report.error).toBe(
      `could not record the outcome of delete left@acme.com, sent to Secoda: ${INJECTED}; no further write was started (1 sent in this run) ` +
        '(a shutdown had been requested)',
    );
    expect(rows.map((a) => [a.type, a.status])).toEqual([['delete', 'unknown'], ['update_role', 'planned'], ['invite', 'planned']]);
    expect(h.secoda.byEmail('left@acme.com')).toBeUndefined();
    expect(h.writes()).toHaveLength(1);
  });
});
