/**
 * 5xx bursts, connection resets and servers that never answer, on reads and
 * on writes: retried within RETRY_LIMIT (attempts counted on the simulator's
 * request log), then failed cleanly — exit 1, a message naming the API and
 * what happened, and no write at all when a read failed.
 */
import { describe, expect, it } from 'vitest';
import { duplicateEmails, isWrite, managedSecoda, requestsTo, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('transient', { warp: true });

const ORG_LIST = /\/organization\/users$/;
const SECODA_LIST = /^\/api\/v1\/user\/?$/;
const SECODA_USER = /^\/api\/v1\/user\/[^/]+\/?$/;

/** Root admin, 3 to invite, 1 to upgrade, 1 to downgrade, 1 to delete, 3 unchanged. */
function seed(h: FaultHarness) {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
    { email: 'inv0@acme.com', name: 'Inv Zero', roles: ['analyst'] },
    { email: 'inv1@acme.com', name: 'Inv One', roles: ['developer'] },
    { email: 'inv2@acme.com', name: 'Inv Two', roles: ['analyst'] },
    { email: 'up@acme.com', name: 'Up', roles: ['developer'] },
    { email: 'down@acme.com', name: 'Down', roles: ['analyst'] },
    ...[0, 1, 2].map((i) => ({ email: `same${i}@acme.com`, roles: ['analyst'] })),
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    { email: 'up@acme.com', role: 'viewer' },
    { email: 'down@acme.com', role: 'editor' },
    { email: 'left@acme.com', role: 'viewer' },
    ...[0, 1, 2].map((i) => ({ email: `same${i}@acme.com`, role: 'viewer' })),
  ]);
}

const WANT = {
  'root@acme.com': 'admin', 'inv0@acme.com': 'viewer', 'inv1@acme.com': 'editor', 'inv2@acme.com': 'viewer',
  'up@acme.com': 'editor', 'down@acme.com': 'viewer', 'same0@acme.com': 'viewer', 'same1@acme.com': 'viewer', 'same2@acme.com': 'viewer',
};

// Small delete guard numbers would hold the one delete (1 of 8 managed = 12.5%): keep the defaults.
const ENV = { RETRY_LIMIT: '3', MAX_CONCURRENCY: '2' };

async function actionsOf(h: FaultHarness, runId: number) {
  return (await h.store()).listActions(runId);
}

describe('bursts shorter than the retry budget are absorbed', () => {
  it('5xx and resets on both APIs\' reads and on every kind of Secoda write: the run converges in one go', async () => {
    const h = await suite.start();
    seed(h);
    h.org.fault({ method: 'GET', path: '/organization/users', kind: 'status', status: 502, times: 2 });
    h.org.fault({ method: 'GET', path: '/organization/users', kind: 'reset' });
    h.secoda.fault({ method: 'GET', kind: 'reset', times: 2 });
    h.secoda.fault({ method: 'GET', kind: 'status', status: 500 });
    h.secoda.fault({ method: 'DELETE', kind: 'status', status: 503, times: 2 });
    h.secoda.fault({ method: 'DELETE', kind: 'reset' });
    h.secoda.fault({ method: 'PATCH', kind: 'reset', times: 2 });
    h.secoda.fault({ method: 'PATCH', kind: 'status', status: 504 });
    h.secoda.fault({ method: 'POST', kind: 'status', status: 500, times: 2 });
    h.secoda.fault({ method: 'POST', kind: 'reset' });
    const r = await h.run(['reconcile'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().status).toBe('succeeded');
    expect(r.json().summary).toMatchObject({ invite: 3, update_role: 2, delete: 1, failed: 0 });
    expect(h.org.pendingFaults() + h.secoda.pendingFaults()).toBe(0);
    expect(managedSecoda(h.secoda.users())).toEqual(WANT);
    expect(duplicateEmails(h.secoda.users())).toEqual([]);
    // 3 failed attempts, then the page: one list page each.
    expect(requestsTo(h.org.requests, 'GET', ORG_LIST)).toHaveLength(4);
    expect(requestsTo(h.secoda.requests, 'GET', SECODA_LIST)).toHaveLength(4);
    expect(requestsTo(h.secoda.requests, 'POST').filter((q) => q.status === 201)).toHaveLength(3);

    const again = await h.run(['reconcile'], ENV);
    expect(again.json().actions).toEqual([]);
  });
});

describe('a read that keeps failing: 1 + RETRY_LIMIT attempts, exit 1, no write at all', () => {
  const cases = [
    { api: 'org', kind: 'status', status: 503, message: /org API answered GET .*organization\/users.*: 503 Service Unavailable after 4 attempts/ },
    { api: 'org', kind: 'reset', message: /could not reach org API for GET .*organization\/users.*ECONNRESET.*\(4 attempts\)/ },
    { api: 'org', kind: 'hang', message: /org API did not answer GET .*organization\/users.* within 500 ms \(4 attempts\)/ },
    { api: 'secoda', kind: 'status', status: 500, message: /secoda API answered GET .*api\/v1\/user\/.*: 500 Internal Server Error after 4 attempts/ },
    { api: 'secoda', kind: 'reset', message: /could not reach secoda API for GET .*api\/v1\/user\/.*ECONNRESET.*\(4 attempts\)/ },
    { api: 'secoda', kind: 'hang', message: /secoda API did not answer GET .*api\/v1\/user\/.* within 500 ms \(4 attempts\)/ },
  ] as const;

  for (const c of cases) {
    it(`${c.api} ${c.kind}${'status' in c ? ` ${c.status}` : ''}`, async () => {
      const h = await suite.start();
      seed(h);
      const before = h.secoda.users();
      const sim = c.api === 'org' ? h.org : h.secoda;
      sim.fault({ method: 'GET', kind: c.kind, ...('status' in c ? { status: c.status } : {}), times: 10 });
      const r = await h.run(['reconcile'], { ...ENV, HTTP_TIMEOUT: '500ms' });
      expect(r.code).toBe(1);
      const report = r.json();
      expect(report.status).toBe('failed');
      expect(report.error).toMatch(c.message);
      expect(report.actions).toEqual([]);
      expect(r.stderr).toMatch(c.message);
      // Exactly the first attempt and RETRY_LIMIT retries, then nothing more.
      const list = c.api === 'org' ? requestsTo(h.org.requests, 'GET', ORG_LIST) : requestsTo(h.secoda.requests, 'GET', SECODA_LIST);
      expect(list).toHaveLength(4);
      expect(sim.pendingFaults()).toBe(6);
      // Secoda is read at the same time as the org (both APIs at once): it may have been read, never written.
      expect(h.writes()).toEqual([]);
      expect(h.secoda.users()).toEqual(before);
    });
  }
});

describe('a write that keeps failing: that action fails after 1 + RETRY_LIMIT attempts, the rest applies, exit 1; the next run converges', () => {
  const cases = [
    { method: 'DELETE', kind: 'status', status: 503, message: /secoda API answered DELETE .*: 503 Service Unavailable after 4 attempts/, type: 'delete' },
    { method: 'PATCH', kind: 'reset', message: /could not reach secoda API for PATCH .*ECONNRESET.*\(4 attempts\)/, type: 'update_role' },
    { method: 'POST', kind: 'hang', message: /secoda API did not answer POST .* within 500 ms \(4 attempts\)/, type: 'invite' },
    { method: 'POST', kind: 'status', status: 502, message: /secoda API answered POST .*: 502 Bad Gateway after 4 attempts/, type: 'invite' },
  ] as const;

  for (const c of cases) {
    it(`${c.method} ${c.kind}${'status' in c ? ` ${c.status}` : ''}`, async () => {
      const h = await suite.start();
      seed(h);
      h.secoda.fault({ method: c.method, kind: c.kind, ...('status' in c ? { status: c.status } : {}), times: 4 });
      // One write at a time: all four fault uses land on the same request.
      const r = await h.run(['reconcile'], { ...ENV, HTTP_TIMEOUT: '500ms', MAX_CONCURRENCY: '1' });
      expect(r.code).toBe(1);
      const report = r.json();
      expect(report.status).toBe('failed');
      expect(report.error).toBe('1 action(s) failed');
      const failed = report.actions.filter((a: any) => a.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0].type).toBe(c.type);
      expect(failed[0].error).toMatch(c.message);
      expect(report.actions.filter((a: any) => a.status === 'succeeded')).toHaveLength(5);
      expect(r.stderr).toMatch(c.message);
      expect(h.secoda.pendingFaults()).toBe(0);
      // All four attempts hit the one request (POST: the same email each time).
      const attempts = h.secoda.requests.filter((q) => q.method === c.method && (q.status === 'reset' || q.status === 'hang' || (typeof q.status === 'number' && q.status >= 500)));
      expect(attempts).toHaveLength(4);
      const recorded = (await actionsOf(h, report.runId)).find((a) => a.status === 'failed')!;
      expect(recorded).toMatchObject({ type: c.type, attempts: 4 });
      expect(recorded.error).toMatch(c.message);

      const again = await h.run(['reconcile'], ENV);
      expect(again.code, again.stderr).toBe(0);
      expect(again.json().actions.map((a: any) => [a.type, a.status])).toEqual([[c.type, 'succeeded']]);
      expect(managedSecoda(h.secoda.users())).toEqual(WANT);
      expect(duplicateEmails(h.secoda.users())).toEqual([]);
    });
  }
});

describe('writes stay within RETRY_LIMIT', () => {
  it('RETRY_LIMIT=0: a single 5xx fails the write at once, nothing is retried', async () => {
    const h = await suite.start();
    seed(h);
    h.secoda.fault({ method: 'PATCH', kind: 'status', status: 500 });
    const r = await h.run(['reconcile'], { ...ENV, RETRY_LIMIT: '0' });
    expect(r.code).toBe(1);
    const failed = r.json().actions.filter((a: any) => a.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatch(/secoda API answered PATCH .*: 500 Internal Server Error(?! after)/);
    // One PATCH per update_role action: the failed one was not repeated.
    expect(requestsTo(h.secoda.requests, 'PATCH', SECODA_USER)).toHaveLength(2);
    expect(h.secoda.requests.filter(isWrite)).toHaveLength(6);
  });
});
