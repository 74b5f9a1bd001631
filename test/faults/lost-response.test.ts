/**
 * Writes the server carried out but whose answer never arrived (the
 * connection dropped after the handler ran): never a duplicate user, and the
 * next run converges without errors.
 */
import { describe, expect, it } from 'vitest';
import { duplicateEmails, managedSecoda, requestsTo, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('lost-response');

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
