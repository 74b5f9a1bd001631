/**
 * The org API read the ways its reference allows (issue 7, items 1 and 2),
 * through the CLI: list items without `roles`, and a `count` that is only
 * the page's item count.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const pad = (i: number) => String(i).padStart(3, '0');
const orgLists = () => h.org.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/organization/users'));
const orgUserReads = () => h.org.requests.filter((r) => r.method === 'GET' && /\/organization\/users\/[^/]+$/.test(r.path));

describe('org `count` that counts one page', () => {
  it('120 users, count = 100 on page 1: every page is read, nobody is deleted, deletes held (exit 3), invites made', async () => {
    h.org.setCountMeans('page');
    h.org.seed([
      { email: 'root@acme.com', roles: ['admin'] },
      ...Array.from({ length: 118 }, (_, i) => ({ email: `u${pad(i)}@acme.com`, roles: ['analyst'] })),
      { email: 'new@acme.com', roles: ['developer'] }, // on page 2
    ]);
    h.secoda.seed([
      { email: 'root@acme.com', role: 'admin' },
      ...Array.from({ length: 118 }, (_, i) => ({ email: `u${pad(i)}@acme.com`, role: 'viewer' })),
      { email: 'left@acme.com', role: 'viewer' },
    ]);
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(3);
    const report = r.json();
    expect(report.status).toBe('held');
    expect(report.holds).toEqual([
      'source pull inconsistent twice: the org API reported 100 users but 120 unique users were collected; ' +
        "users were added while paging, or `count` is not the total (e.g. the page's item count) — an API whose `count` is per page cannot prove a read complete; no deletes this run",
    ]);
    // Before issue 7 the pull stopped after page 1 (1 * 100 >= count): u099..u117 and new@ looked gone,
    // and 20 deletes (16.7% of 120) passed both default caps.
    // Two pulls, each past page 1 (a `count` no larger than page 1 plans nothing: pages are read a few
    // ahead, at most MAX_CONCURRENCY past the short page 2).
    const pages = orgLists().map((q) => Number(q.query.page_number));
    expect(pages.filter((p) => p === 1)).toHaveLength(2);
    expect(pages.filter((p) => p === 2)).toHaveLength(2);
    expect(Math.max(...pages)).toBeLessThanOrEqual(2 + 4);
    expect(report.actions.map((a: any) => [a.type, a.email, a.status])).toEqual([
      ['delete', 'left@acme.com', 'withheld'],
      ['invite', 'new@acme.com', 'succeeded'],
    ]);
    expect(h.writes().filter((w) => w.method === 'DELETE')).toEqual([]);
    expect(h.secoda.users()).toHaveLength(121);
  });
});

describe('org list items without roles', () => {
  function seedRoles() {
    h.org.setListRoles('omitted');
    h.org.seed([
      { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
      { email: 'dev@acme.com', name: 'Dev', roles: ['developer', 'analyst'] },
      { email: 'ana@acme.com', name: 'Ana', roles: ['analyst'] },
      { email: 'none@acme.com', name: 'No Role', roles: [] },
      { email: 'newdev@acme.com', name: 'New Dev', roles: ['developer'] },
    ]);
    h.secoda.seed([
      { email: 'root@acme.com', role: 'admin' },
      { email: 'dev@acme.com', role: 'viewer' },
      { email: 'ana@acme.com', role: 'editor' },
      { email: 'none@acme.com', role: 'editor' },
      { email: 'gone@acme.com', role: 'viewer' },
    ]);
  }

  it('ORG_ROLES_FROM=auto (default): roles read from each user\'s record, applied, and the report says how', async () => {
    seedRoles();
    // Two of five demoted (ana, none) is over the default demotion cap; the key owner named: no warning note.
    const r = await h.run(['reconcile'], { MAX_DEMOTION_PERCENT: '50', SECODA_KEY_OWNER: 'root@acme.com' });
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(report.status).toBe('succeeded');
    expect(report.notes).toEqual([
      "org roles read from each user's record (GET organization/users/{id}): list items carry no roles (ORG_ROLES_FROM=auto) — 5 extra requests",
    ]);
    const roles = Object.fromEntries(h.secoda.users().map((u) => [u.email, u.role]));
    // `roles: []` is "no role": DEFAULT_ROLE (viewer).
    expect(roles).toEqual({
      'root@acme.com': 'admin', 'dev@acme.com': 'editor', 'ana@acme.com': 'viewer', 'none@acme.com': 'viewer', 'newdev@acme.com': 'editor',
    });
    expect(orgUserReads()).toHaveLength(5);
    // The note is kept with the run, so `report` shows it later.
    const later = await h.run(['report', '--format', 'table']);
    expect(later.stdout).toContain('NOTES:');
    expect(later.stdout).toContain('5 extra requests');
  });

  it('ORG_ROLES_FROM=list: an item without roles is an invalid record, as before: run fails (exit 1), nothing deleted or re-roled', async () => {
    seedRoles();
    const r = await h.run(['reconcile'], { ORG_ROLES_FROM: 'list', SECODA_KEY_OWNER: 'root@acme.com' });
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.holds.join(' ')).toMatch(/5 source record\(s\) failed validation — page 1 item 0: roles: /);
    expect(orgUserReads()).toEqual([]);
    expect(h.writes()).toEqual([]);
    expect(report.notes).toEqual([]);
  });

  it('a user record that cannot be read fails the run before any write', async () => {
    seedRoles();
    const id = h.org.byEmail('ana@acme.com')!.id;
    h.org.fault({ kind: 'status', status: 404, method: 'GET', path: `/organization/users/${id}`, body: '{"detail":"user not found"}' });
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatch(new RegExp(`organization/users/${id}: 404 Not Found.*while reading each user's roles`));
    expect(h.writes()).toEqual([]);
  });
});

describe('ORG_ROLES_FROM', () => {
  it('an unknown value is exit 2 naming the variable, before any request', async () => {
    const r = await h.run(['reconcile'], { ORG_ROLES_FROM: 'lists' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ORG_ROLES_FROM must be one of auto, list, user (got "lists")');
    expect(h.org.requests).toEqual([]);
    expect(h.secoda.requests).toEqual([]);
  });
});
