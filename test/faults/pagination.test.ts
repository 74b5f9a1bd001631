/**
 * Pagination drift: users added or removed between page requests, the same
 * user on two pages, duplicate emails, and a `count` the pages do not hold.
 * A pull that may have missed someone never deletes them.
 */
import { describe, expect, it } from 'vitest';
import type { OrgSimUser } from '../../tools/simulators/index.js';
import { duplicateEmails, managedSecoda, requestsTo, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('pagination', { warp: true });
const ORG_LIST = /\/organization\/users$/;
const pad = (i: number) => String(i).padStart(3, '0');
const GUARDS_OFF = { MAX_DELETES: '1000', MAX_DELETE_PERCENT: '100' };

/** `n` analysts u000.. in the org and as viewers in Secoda, plus a root admin on both sides. */
function seedInSync(h: FaultHarness, n: number): OrgSimUser[] {
  const users = h.org.seed([
    ...Array.from({ length: n }, (_, i) => ({ id: `org-${pad(i)}`, email: `u${pad(i)}@acme.com`, name: `User ${pad(i)}`, roles: ['analyst'] })),
    { id: 'org-root', email: 'root@acme.com', name: 'Root', roles: ['admin'] },
  ]);
  h.secoda.seed([
    ...Array.from({ length: n }, (_, i) => ({ id: `sec-${pad(i)}`, email: `u${pad(i)}@acme.com`, role: 'viewer' })),
    { id: 'sec-root', email: 'root@acme.com', role: 'admin' },
  ]);
  return users;
}

/** Replaces the org's list order (ids kept): what an API sorted by name shows when users are inserted mid-list. */
function reorderOrg(h: FaultHarness, users: Partial<OrgSimUser>[]) {
  h.org.clear();
  h.org.seed(users);
}

describe('org pagination drift', () => {
  it('users inserted mid-list while paging (the API\'s count grows): later pages are read too, nobody is missed or deleted', async () => {
    const h = await suite.start();
    const base = seedInSync(h, 250);
    const inserted = Array.from({ length: 60 }, (_, i) => ({ id: `org-new-${i}`, email: `new${pad(i)}@acme.com`, name: `New ${i}`, roles: ['analyst'] }));
    let drifted = false;
    h.org.onPage((page) => {
      if (page === 2 && !drifted) {
        drifted = true;
        // 60 users appear at position 150 (an API sorted by name): u240..u249 and root move onto a 4th page.
        reorderOrg(h, [...base.slice(0, 150), ...inserted, ...base.slice(150)]);
      }
    });
    const r = await h.run(['reconcile'], GUARDS_OFF);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(report.summary).toMatchObject({ invite: 60, delete: 0, update_role: 0, failed: 0 });
    for (let i = 240; i < 250; i++) expect(h.secoda.byEmail(`u${pad(i)}@acme.com`), `u${pad(i)}`).toBeDefined();
    // Page 3 is full: a 4th page is read. 311 users collected against the first page's count of 250 is a
    // mismatch (an API whose `count` is per page looks the same), so the list is read once more; that read agrees.
    expect(requestsTo(h.org.requests, 'GET', ORG_LIST).map((q) => q.query.page_number)).toEqual(['1', '2', '3', '4', '1', '2', '3', '4']);
    expect(report.holds).toEqual([]);
    expect(h.secoda.users()).toHaveLength(311);
  });

  it('one user leaves and another joins between two page requests (count unchanged): the user who slid onto a page already read is not deleted', async () => {
    const h = await suite.start();
    seedInSync(h, 250);
    h.secoda.seed([{ email: 'left@acme.com', role: 'viewer' }]);
    let pulls = 0;
    h.org.onPage((page) => {
      if (page === 1) pulls++;
      if (page === 2 && pulls === 1) {
        // u000 (already read on page 1) leaves, late@ joins at the end: the count stays 251,
        // and u100 slides onto page 1, which this pull has already read.
        h.org.remove('u000@acme.com');
        h.org.seed([{ id: 'org-late', email: 'late@acme.com', roles: ['analyst'] }]);
      }
    });
    const r = await h.run(['reconcile'], GUARDS_OFF);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(h.secoda.byEmail('u100@acme.com'), 'u100 must survive a pull that missed it').toBeDefined();
    // Deletes were planned on a pull of 3 pages: the source was read once more (pages 1-3 again).
    expect(requestsTo(h.org.requests, 'GET', ORG_LIST).map((q) => q.query.page_number)).toEqual(['1', '2', '3', '1', '2', '3']);
    expect(report.actions.filter((a: any) => a.type === 'delete').map((a: any) => a.email)).toEqual(['left@acme.com']);
    expect(report.actions.filter((a: any) => a.email === 'u100@acme.com')).toEqual([]);
    expect(h.secoda.byEmail('late@acme.com')).toBeDefined();
    expect(h.secoda.byEmail('left@acme.com')).toBeUndefined();

    // The next run (no drift) converges: u000 goes now.
    const again = await h.run(['reconcile'], GUARDS_OFF);
    expect(again.code, again.stderr).toBe(0);
    expect(h.secoda.byEmail('u000@acme.com')).toBeUndefined();
    expect(h.secoda.byEmail('u100@acme.com')).toBeDefined();
    const third = await h.run(['reconcile'], GUARDS_OFF);
    expect(third.json().actions).toEqual([]);
  });

  it('the same drift in every pull: the users it hides are never deleted', async () => {
    const h = await suite.start();
    seedInSync(h, 250);
    h.secoda.seed([{ email: 'left@acme.com', role: 'viewer' }]);
    let pulls = 0;
    h.org.onPage((page) => {
      if (page === 1) pulls++;
      if (page === 2) {
        // Every pull: the first user leaves and someone joins at the end; a different user is hidden each time.
        const first = h.org.users()[0]!;
        h.org.remove(first.id);
        h.org.seed([{ id: `org-late-${pulls}`, email: `late${pulls}@acme.com`, roles: ['analyst'] }]);
      }
    });
    const r = await h.run(['reconcile'], GUARDS_OFF);
    expect(r.code, r.stderr).toBe(0);
    expect(pulls).toBe(2);
    for (let i = 0; i < 250; i++) {
      const email = `u${pad(i)}@acme.com`;
      if (h.org.byEmail(email)) expect(h.secoda.byEmail(email), email).toBeDefined();
    }
    // Only the real leaver: the users each pull missed (u100, u101) and those who left mid-run stay for now.
    expect(r.json().actions.filter((a: any) => a.type === 'delete').map((a: any) => a.email)).toEqual(['left@acme.com']);
    expect(h.writes().filter((w) => w.method === 'DELETE')).toHaveLength(1);
  });

  it('users added at the end while paging: seen or not, nothing is lost; the next run picks up the rest', async () => {
    const h = await suite.start();
    seedInSync(h, 180);
    let added = false;
    h.org.onPage((page) => {
      if (page === 2 && !added) {
        added = true;
        h.org.seed(Array.from({ length: 5 }, (_, i) => ({ email: `late${i}@acme.com`, roles: ['developer'] })));
      }
    });
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().summary).toMatchObject({ invite: 5, delete: 0 });
    expect(managedSecoda(h.secoda.users())['late4@acme.com']).toBe('editor');
  });

  it('the same user on two pages and one email under two ids (in different case): counted once, highest role, invited once', async () => {
    const h = await suite.start();
    seedInSync(h, 150);
    h.org.seed([
      { id: 'dup-a', email: 'Dup@Acme.com', name: 'Dup Low', roles: ['analyst'] },
      { id: 'dup-b', email: ' dup@acme.com ', name: 'Dup High', roles: ['developer'] },
    ]);
    let moved = false;
    h.org.onPage((page) => {
      if (page === 2 && !moved) {
        moved = true;
        // u000 (already served on page 1) moves to the end: served again on page 2, u100 slides onto page 1 and is missed.
        const u = h.org.byEmail('u000@acme.com')!;
        h.org.remove(u.id);
        h.org.seed([u]);
      }
    });
    const r = await h.run(['reconcile'], GUARDS_OFF);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(report.holds).toEqual([]);
    expect(report.actions.map((a: any) => [a.type, a.email, a.to, a.status])).toEqual([['invite', 'dup@acme.com', 'editor', 'succeeded']]);
    expect(h.secoda.users().filter((u) => u.email.toLowerCase() === 'dup@acme.com')).toHaveLength(1);
    expect(duplicateEmails(h.secoda.users())).toEqual([]);
    expect(h.secoda.byEmail('u100@acme.com')).toBeDefined();
  });

  it('`count` larger than what the pages hold (multi-page): pulled twice, deletes withheld (exit 3), invites made', async () => {
    const h = await suite.start();
    seedInSync(h, 230);
    h.secoda.seed([{ email: 'left@acme.com', role: 'viewer' }]);
    h.org.seed([{ email: 'new@acme.com', roles: ['analyst'] }]);
    h.org.setCountOverride(260);
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(3);
    const report = r.json();
    expect(report.holds).toEqual([expect.stringMatching(/the org API reported 260 users but 232 unique users were collected; .*; no deletes this run$/)]);
    expect(report.actions.map((a: any) => [a.type, a.email, a.status])).toEqual([
      ['delete', 'left@acme.com', 'withheld'], ['invite', 'new@acme.com', 'succeeded'],
    ]);
    expect(requestsTo(h.org.requests, 'GET', ORG_LIST)).toHaveLength(6);
    expect(h.secoda.byEmail('left@acme.com')).toBeDefined();
  });
});

describe('Secoda pagination drift', () => {
  it('a user inserted before the read position (others served twice): one action per user, never a duplicated write', async () => {
    const h = await suite.start({ secoda: { pageSize: 50 } });
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, ...Array.from({ length: 100 }, (_, i) => ({ email: `u${pad(i)}@acme.com`, roles: ['developer'] }))]);
    // Secoda: u000..u119 as viewers (u100..u119 are leavers), root admin last.
    const seeded = h.secoda.seed([
      ...Array.from({ length: 120 }, (_, i) => ({ id: `sec-${pad(i)}`, email: `u${pad(i)}@acme.com`, role: 'viewer' })),
      { id: 'sec-root', email: 'root@acme.com', role: 'admin' },
    ]);
    let drifted = false;
    h.secoda.onPage((page) => {
      if (page === 2 && !drifted) {
        drifted = true;
        // A colleague adds 10 people at the top: u040..u049 are served again on page 2.
        h.secoda.clear();
        h.secoda.seed([...Array.from({ length: 10 }, (_, i) => ({ id: `sec-x${i}`, email: `x${i}@acme.com`, role: 'viewer' })), ...seeded]);
      }
    });
    const r = await h.run(['reconcile'], GUARDS_OFF);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    const keys = report.actions.map((a: any) => `${a.type} ${a.email}`);
    expect(new Set(keys).size).toBe(keys.length);
    const patches = requestsTo(h.secoda.requests, 'PATCH').map((q) => q.path);
    expect(new Set(patches).size).toBe(patches.length);
    expect(managedSecoda(h.secoda.users())).toMatchObject({ 'u045@acme.com': 'editor', 'u099@acme.com': 'editor' });
    const again = await h.run(['reconcile'], GUARDS_OFF);
    expect(again.code).toBe(0);
  });

  it('a Secoda user removed while paging (another slides onto a page already read): the read is short of `count`, read again; no duplicate invite, nothing left to do', async () => {
    const h = await suite.start({ secoda: { pageSize: 50 } });
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, ...Array.from({ length: 80 }, (_, i) => ({ email: `u${pad(i)}@acme.com`, roles: ['analyst'] }))]);
    h.secoda.seed([
      { email: 'root@acme.com', role: 'admin' },
      { email: 'gone@acme.com', role: 'viewer' },
      ...Array.from({ length: 80 }, (_, i) => ({ email: `u${pad(i)}@acme.com`, role: 'viewer' })),
    ]);
    let removed = false;
    h.secoda.onPage((page) => {
      if (page === 2 && !removed) {
        removed = true;
        h.secoda.remove('gone@acme.com'); // someone deletes a user by hand: u048 slides onto page 1
      }
    });
    // Page 1 said 82 users, the read collected 81 (u048 missed): before issue 7 that invite failed as
    // "already exists" and the run exited 1; now the short read is read again and the run is clean.
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().actions).toEqual([]);
    expect(h.writes()).toEqual([]);
    expect(h.secoda.requests.filter((q) => q.method === 'GET').map((q) => q.query.page)).toEqual(['1', '2', '1', '2']);
    expect(duplicateEmails(h.secoda.users())).toEqual([]);
    expect(Object.keys(managedSecoda(h.secoda.users()))).toHaveLength(81);
  });
});
