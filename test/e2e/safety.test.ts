import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORG_TOKEN, SECODA_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { warpClock } from '../http/warp-clock.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** Ten managed Secoda users; the org adds one and lost one (a 10% delete stays under the guard). */
function seedBasic() {
  const stay = Array.from({ length: 8 }, (_, i) => `stay${i}@acme.com`);
  h.org.seed([
    { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
    { email: 'new@acme.com', name: 'New Person', roles: ['developer'] },
    ...stay.map((email) => ({ email, roles: ['analyst'] })),
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    { email: 'left@acme.com', role: 'viewer' },
    ...stay.map((email) => ({ email, role: 'viewer' })),
  ]);
}

describe('safety rails', () => {
  it('a failed org read (5xx after retries) aborts before any write: exit 1, nothing changed', async () => {
    seedBasic();
    h.org.fault({ method: 'GET', path: '/organization/users', kind: 'status', status: 503, times: 10 });
    const r = await h.run(['reconcile'], { RETRY_LIMIT: '2' });
    expect(r.code).toBe(1);
    expect(r.json().status).toBe('failed');
    expect(r.json().error).toMatch(/org.*503/i);
    expect(h.writes()).toEqual([]);
  });

  it('a malformed Secoda read (HTML with 200) aborts before any write', async () => {
    seedBasic();
    h.secoda.fault({ method: 'GET', kind: 'html', times: 1 });
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatch(/secoda/i);
    expect(h.writes()).toEqual([]);
  });

  it('a malformed org page (no items) aborts before any write', async () => {
    seedBasic();
    h.org.fault({ method: 'GET', path: '/organization/users', kind: 'body', body: '{"count": 2, "users": []}' });
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    expect(h.writes()).toEqual([]);
  });

  it('an empty source while Secoda has managed users: no deletes, exit 3', async () => {
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }, { email: 'a@acme.com', role: 'viewer' }]);
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(3);
    const report = r.json();
    expect(report.status).toBe('held');
    expect(report.holds.join(' ')).toMatch(/no users/);
    expect(report.actions.every((a: any) => a.status === 'withheld')).toBe(true);
    expect(h.writes()).toEqual([]);
    expect(h.secoda.users()).toHaveLength(2);
  });

  it('an inconsistent source pull is pulled once more; still short: no deletes (invites still made), exit 3', async () => {
    seedBasic();
    h.org.setCountOverride(12);
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(3);
    const report = r.json();
    expect(report.holds.join(' ')).toMatch(/reported 12 users but 10 unique/);
    expect(report.actions.map((a: any) => [a.type, a.status])).toEqual([['delete', 'withheld'], ['invite', 'succeeded']]);
    const listCalls = h.org.requests.filter((q) => q.path.endsWith('/organization/users'));
    expect(listCalls.length).toBeGreaterThanOrEqual(2);
    expect(h.secoda.byEmail('left@acme.com')).toBeDefined();
  });

  it('users moving between pages while paginating: the second pull is used when it is complete', async () => {
    h.org.seed(Array.from({ length: 150 }, (_, i) => ({ email: `u${i}@acme.com`, roles: ['analyst'] })));
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }]);
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }, { email: 'left@acme.com', role: 'viewer' }]);
    let served = 0;
    // During the first pull only, remove a user from page 1 after it was served: page 2 shifts and u100 is missed.
    h.org.onPage((page) => {
      served++;
      if (served === 2 && page === 2) h.org.remove('u0@acme.com');
    });
    const r = await h.run(['reconcile', '--dry-run'], { MAX_DELETES: '500', MAX_DELETE_PERCENT: '100' });
    const report = r.json();
    expect(report.holds).toEqual([]);
    // u0 really left; u100, which the first pull skipped over, is in the plan.
    const invites = report.actions.filter((a: any) => a.type === 'invite').map((a: any) => a.email);
    expect(invites).toHaveLength(149);
    expect(invites).toContain('u100@acme.com');
    expect(invites).not.toContain('u0@acme.com');
    expect(report.actions.find((a: any) => a.type === 'delete')?.email).toBe('left@acme.com');
  });

  it('a source record that fails validation is reported with its page and index; no deletes; exit 1', async () => {
    seedBasic();
    h.org.seedRaw([{ id: 'x1', name: 'No Email', roles: ['analyst'] }, { id: 'x2', email: 'bad@acme.com', name: 'Bad', roles: 'admin' }]);
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.holds.join(' ')).toMatch(/2 source record\(s\) failed validation — page 1 item 1[01]: .*; page 1 item 1[12]/);
    expect(report.actions.map((a: any) => [a.type, a.status])).toEqual([['delete', 'withheld'], ['invite', 'succeeded']]);
    expect(h.secoda.byEmail('left@acme.com')).toBeDefined();
  });

  it('mass-delete guard: no deletes (invites and re-roles still made), exit 3, message names numbers and override', async () => {
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, { email: 'up@acme.com', roles: ['developer'] }, { email: 'new@acme.com', roles: ['analyst'] }]);
    h.secoda.seed([
      { email: 'root@acme.com', role: 'admin' },
      { email: 'up@acme.com', role: 'viewer' },
      ...Array.from({ length: 4 }, (_, i) => ({ email: `old${i}@acme.com`, role: 'viewer' })),
    ]);
    const r = await h.run(['reconcile'], { MAX_DELETES: '3' });
    expect(r.code).toBe(3);
    const report = r.json();
    expect(report.holds[0]).toContain('4 deletes planned');
    expect(report.holds[0]).toContain('MAX_DELETES=3');
    expect(report.holds[0]).toContain('MAX_DELETE_PERCENT=20% (66.7% of 6 managed)');
    expect(report.holds[0]).toContain('--max-deletes 4');
    expect(report.summary).toMatchObject({ delete: 4, withheld: 4, update_role: 1, invite: 1 });
    expect(h.writes().map((w) => w.method).sort()).toEqual(['PATCH', 'POST']);

    const override = await h.run(['reconcile', '--max-deletes', '4'], { MAX_DELETES: '3' });
    expect(override.code).toBe(0);
    expect(h.secoda.users().map((u) => u.email).sort()).toEqual(['new@acme.com', 'root@acme.com', 'up@acme.com']);

    // The override lasts one run only.
    h.secoda.seed(Array.from({ length: 4 }, (_, i) => ({ email: `again${i}@acme.com`, role: 'viewer' })));
    // (--refresh: users added to Secoda behind the sync's back are seen at once, not at the next full read.)
    expect((await h.run(['reconcile', '--refresh'], { MAX_DELETES: '3' })).code).toBe(3);
  });

  it('never deletes or demotes the last remaining Secoda admin', async () => {
    h.org.seed([{ email: 'ann@acme.com', roles: ['analyst'] }]);
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }, { email: 'ann@acme.com', role: 'viewer' }]);
    const r = await h.run(['reconcile'], { MAX_DELETE_PERCENT: '100' });
    expect(r.code).toBe(3);
    expect(r.json().holds).toEqual([expect.stringMatching(/last-admin guard: root@acme.com/)]);
    expect(h.secoda.byEmail('root@acme.com')?.role).toBe('admin');
  });

  it('401 from Secoda: no retry, exit 1, names the API and the variable, never prints the key', async () => {
    seedBasic();
    const r = await h.run(['reconcile'], { SECODA_API_KEY: 'wrong-key-9f8e7d' });
    expect(r.code).toBe(1);
    expect(r.json().error).toMatch(/secoda/i);
    expect(r.json().error).toContain('SECODA_API_KEY');
    expect(h.secoda.requests.filter((q) => q.status === 401)).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toContain('wrong-key-9f8e7d');
  });

  it('403 from the org API names ORG_API_TOKEN', async () => {
    seedBasic();
    const r = await h.run(['reconcile'], { ORG_API_TOKEN: 'bad-org-token-77' });
    expect(r.code).toBe(1);
    expect(r.json().error).toContain('ORG_API_TOKEN');
    expect(r.stdout + r.stderr).not.toContain('bad-org-token-77');
    expect(h.writes()).toEqual([]);
  });

  it('a create whose response was lost is not repeated: no duplicate user', async () => {
    seedBasic();
    h.secoda.fault({ method: 'POST', kind: 'lose-response' });
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(h.secoda.users().filter((u) => u.email === 'new@acme.com')).toHaveLength(1);
    expect(r.json().actions.find((a: any) => a.type === 'invite')).toMatchObject({ status: 'succeeded' });
    const second = await h.run(['reconcile']);
    expect(second.json().actions).toEqual([]);
  });

  it('429 with Retry-After pauses and the run still converges', async () => {
    await h.close();
    h = await startHarness({ clock: warpClock() }); // the pauses pass without real time passing
    seedBasic();
    h.secoda.fault({ method: 'POST', kind: 'status', status: 429, retryAfter: '1' });
    h.secoda.fault({ method: 'GET', kind: 'status', status: 429 });
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(h.secoda.byEmail('new@acme.com')).toBeDefined();
    expect(h.secoda.byEmail('left@acme.com')).toBeUndefined();
  });

  it('writes respect SECODA_WRITE_RATE: the simulator never has to answer 429', async () => {
    await h.close();
    // Real time: on a warp clock, time jumping while a request is on its way bunches arrivals the server counts.
    h = await startHarness({ secoda: { writeLimit: { limit: 5, windowMs: 1_000 } } });
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, ...Array.from({ length: 12 }, (_, i) => ({ email: `n${i}@acme.com`, roles: ['analyst'] }))]);
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
    // The client's rate a little under the server's. Without its gate the client would send 12 invites at once
    // and 7 would be throttled; with it, the server never throttles — except that on a loaded machine the
    // simulator, sharing one event loop with the CLI here, can take two requests sent 250 ms apart in one turn,
    // so one 429 is tolerated. The spread of the invites is what proves the gate.
    const r = await h.run(['reconcile'], { SECODA_WRITE_RATE: '4/s' });
    expect(r.code, r.stderr).toBe(0);
    expect(h.secoda.stats().throttled).toBeLessThanOrEqual(1);
    expect(h.secoda.users()).toHaveLength(13);
    const posts = h.secoda.requests.filter((q) => q.method === 'POST' && q.status !== 429);
    expect(posts.length).toBeGreaterThanOrEqual(12);
    // 12 invites at 4 per second: the last starts at least 2 s after the first.
    expect(posts.at(-1)!.at - posts[0]!.at).toBeGreaterThanOrEqual(1_900);
  });

  it('a failing write is recorded, the rest still applies, exit 1', async () => {
    seedBasic();
    h.secoda.seed([{ email: 'x@acme.com', role: 'viewer' }]);
    h.secoda.fault({ method: 'DELETE', kind: 'status', status: 400, times: 1 });
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.summary.failed).toBe(1);
    const failed = report.actions.find((a: any) => a.status === 'failed');
    expect(failed.error).toMatch(/400/);
    expect(report.actions.filter((a: any) => a.status === 'succeeded').map((a: any) => a.type)).toEqual(['delete', 'invite']);
  });

  it('secrets never reach stdout, stderr or the report', async () => {
    seedBasic();
    h.secoda.fault({ method: 'GET', kind: 'status', status: 500 });
    const runs = [await h.run(['reconcile', '--dry-run'], { LOG_LEVEL: 'trace' }), await h.run(['reconcile'], { LOG_LEVEL: 'trace' }), await h.run(['report', '--format', 'markdown'])];
    for (const r of runs) {
      for (const secret of [ORG_TOKEN, SECODA_KEY]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    }
  });
});
