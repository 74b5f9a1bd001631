/**
 * Incremental runs (issue 9): a run plans against the Secoda snapshot in the
 * database while it is younger than SECODA_REFRESH, reading no page of
 * Secoda's user list; each write on an existing user is preceded by a GET of
 * that user's live record, and a user changed behind the sync's back is
 * re-planned from the live record, never written on stale data.
 * Real HTTP against both simulators, a real database, the CLI's main().
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type CliResult, type Harness } from '../helpers/harness.js';
import { warpClock } from '../http/warp-clock.js';

let h: Harness;
beforeEach(async () => {
  // Retry backoff (the failed run's 500s) is skipped, not waited for.
  h = await startHarness({ clock: warpClock() });
});
afterEach(async () => {
  await h.close();
});

const LIST = '/api/v1/user/';
/** Pages of Secoda's user list the run read. */
const listPages = () => h.secoda.requests.filter((r) => r.method === 'GET' && r.path === LIST).length;
/** Single-user reads (GET /api/v1/user/{id}/), by id. */
const userReads = () => h.secoda.requests.filter((r) => r.method === 'GET' && r.path !== LIST).map((r) => r.path.split('/')[4]);
const secodaWrites = () => h.writes().filter((w) => w.api === 'secoda').map((w) => `${w.method} ${w.path}`);
const roleOf = (email: string) => h.secoda.byEmail(email)?.role;
const orgAdd = (u: { email: string; name: string; roles: string[] }) => h.org.seed([u]);
/** The org changes someone's roles. */
function orgRoles(email: string, roles: string[]) {
  const u = h.org.byEmail(email)!;
  h.org.remove(email);
  h.org.seed([{ ...u, roles }]);
}

function seedConverged() {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    { email: 'alan@acme.com', name: 'Alan Turing', roles: ['developer'] },
    { email: 'ada@acme.com', name: 'Ada Lovelace', roles: ['analyst'] },
    { email: 'left@acme.com', name: 'Left Soon', roles: ['analyst'] },
  ]);
  h.secoda.seed([
    { id: 'u-root', email: 'root@acme.com', role: 'admin' },
    { id: 'u-alan', email: 'alan@acme.com', role: 'editor' },
    { id: 'u-ada', email: 'ada@acme.com', role: 'viewer' },
    { id: 'u-left', email: 'left@acme.com', role: 'viewer' },
  ]);
}

/** A first run: reads the list in full, finds nothing to do. */
async function firstRun(): Promise<void> {
  const r = await h.run(['reconcile']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json().secodaRead).toMatchObject({ mode: 'full', reason: 'first run: no snapshot yet', snapshotAgeSeconds: 0 });
  expect(listPages()).toBe(1);
  h.secoda.resetLog();
  h.org.resetLog();
}

function expectFullRead(r: CliResult, reason: RegExp) {
  expect(r.json().secodaRead.mode).toBe('full');
  expect(r.json().secodaRead.reason).toMatch(reason);
  expect(listPages()).toBeGreaterThan(0);
}

describe('incremental runs from the Secoda snapshot', () => {
  it('a run within SECODA_REFRESH reads no page of the list, confirms each written user live, and converges', async () => {
    seedConverged();
    await firstRun();
    // The organization moves on: a promotion, a newcomer, a leaver.
    orgRoles('alan@acme.com', ['admin']);
    orgAdd({ email: 'grace@acme.com', name: 'Grace Hopper', roles: ['developer'] });
    h.org.remove('left@acme.com');

    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(listPages()).toBe(0);
    expect(report.secodaRead).toMatchObject({ mode: 'snapshot', confirmed: 2, replanned: 0, gone: 0 });
    expect(report.secodaRead.reason).toMatch(/^the snapshot is \S+ old, within SECODA_REFRESH 1h$/);
    expect(report.secodaRead.snapshotAgeSeconds).toBeGreaterThanOrEqual(0);
    // Each existing user written to was read live first; the invite has no id to read.
    expect(userReads().sort()).toEqual(['u-alan', 'u-left']);
    expect(secodaWrites()).toEqual(['DELETE /api/v1/user/u-left/', 'PATCH /api/v1/user/u-alan/', 'POST /api/v1/user/']);
    expect(roleOf('alan@acme.com')).toBe('admin');
    expect(roleOf('grace@acme.com')).toBe('editor');
    expect(h.secoda.byEmail('left@acme.com')).toBeUndefined();

    // The snapshot followed the writes: the next run, still incremental, has nothing to do.
    h.secoda.resetLog();
    const again = await h.run(['reconcile']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().actions).toEqual([]);
    expect(again.json().secodaRead).toMatchObject({ mode: 'snapshot', confirmed: 0 });
    expect(h.secoda.requests).toEqual([]);

    // Every format says how Secoda was read.
    const table = await h.run(['report', '--format', 'table']);
    expect(table.stdout).toMatch(/Secoda list: from the snapshot read in full at \S+ \(the snapshot is .* old, within SECODA_REFRESH 1h\); live records confirmed before writing: 0, re-planned: 0, gone: 0/);
    const md = await h.run(['report', '--format', 'markdown']);
    expect(md.stdout).toContain('Secoda list: from the snapshot read in full at');
  });

  it('a change made by hand behind the sync\'s back is caught by the confirmation: re-planned from the live record, never written on stale data', async () => {
    seedConverged();
    orgAdd({ email: 'bob@acme.com', name: 'Bob', roles: ['analyst'] });
    h.secoda.seed([{ id: 'u-bob', email: 'bob@acme.com', role: 'viewer' }]);
    await firstRun();
    orgRoles('alan@acme.com', ['admin']); // planned: editor -> admin
    orgRoles('ada@acme.com', ['developer']); // planned: viewer -> editor
    h.org.remove('left@acme.com'); // planned: delete
    orgRoles('bob@acme.com', ['developer']); // planned: viewer -> editor
    // Behind the sync's back, in Secoda:
    h.secoda.update('u-alan', { role: 'viewer' }); // re-plan: viewer -> admin
    h.secoda.update('u-ada', { role: 'editor' }); // re-plan: nothing left to do
    h.secoda.update('u-left', { is_service_account: true }); // re-plan: outside the sync, not deleted
    h.secoda.remove('u-bob'); // gone: no PATCH; the next run invites him

    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(listPages()).toBe(0);
    expect(report.secodaRead).toMatchObject({ mode: 'snapshot', confirmed: 4, replanned: 3, gone: 1 });
    expect(secodaWrites()).toEqual(['PATCH /api/v1/user/u-alan/']);
    // Read live first, then written.
    const seen = h.secoda.requests.map((q) => `${q.method} ${q.path}`);
    expect(seen.indexOf('GET /api/v1/user/u-alan/')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('GET /api/v1/user/u-alan/')).toBeLessThan(seen.indexOf('PATCH /api/v1/user/u-alan/'));
    expect(roleOf('alan@acme.com')).toBe('admin');
    expect(roleOf('ada@acme.com')).toBe('editor');
    expect(h.secoda.byId('u-left')).toMatchObject({ role: 'viewer', is_service_account: true });

    const rows = report.actions.map((a: any) => [a.type, a.email, a.from ?? null, a.to ?? null, a.status]);
    expect(rows).toEqual(expect.arrayContaining([
      ['delete', 'left@acme.com', 'viewer', null, 'superseded'],
      ['update_role', 'alan@acme.com', 'editor', 'admin', 'superseded'],
      ['update_role', 'alan@acme.com', 'viewer', 'admin', 'succeeded'],
      ['update_role', 'ada@acme.com', 'viewer', 'editor', 'superseded'],
      ['update_role', 'bob@acme.com', 'viewer', 'editor', 'superseded'],
    ]));
    const why = (email: string) => report.actions.find((a: any) => a.email === email && a.status === 'superseded').error;
    expect(why('alan@acme.com')).toBe('live record differs from the snapshot (role viewer, snapshot editor): re-planned as re-role viewer -> admin');
    expect(why('ada@acme.com')).toMatch(/role editor, snapshot viewer\): re-planned — nothing to do for this user/);
    expect(why('left@acme.com')).toMatch(/now a service account\): re-planned — nothing to do/);
    expect(why('bob@acme.com')).toMatch(/Secoda no longer has this user \(404 Not Found\): re-planned — invite as editor is left to the next run/);
    expect(report.summary).toMatchObject({ update_role: 1, delete: 0, failed: 0 });

    // The snapshot took the live records: the next run (still incremental) invites bob and touches nobody else.
    h.secoda.resetLog();
    const next = await h.run(['reconcile']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.json().secodaRead.mode).toBe('snapshot');
    expect(secodaWrites()).toEqual(['POST /api/v1/user/']);
    expect(roleOf('bob@acme.com')).toBe('editor');
  });

  it('an admin is demoted only while the admins the last-admin guard counts on are still admins, live', async () => {
    seedConverged();
    orgRoles('alan@acme.com', ['admin']);
    h.secoda.update('u-alan', { role: 'admin' });
    await firstRun();
    orgRoles('alan@acme.com', ['developer']); // planned: admin -> editor, root staying admin
    h.secoda.update('u-root', { role: 'viewer' }); // by hand: root is no admin any more

    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(secodaWrites()).toEqual([]);
    expect(roleOf('alan@acme.com')).toBe('admin');
    const [demote] = r.json().actions;
    expect(demote).toMatchObject({ type: 'update_role', email: 'alan@acme.com', status: 'superseded' });
    expect(demote.error).toMatch(/^other admins changed since the snapshot \(root@acme.com: role viewer, snapshot admin\): re-planned — re-role admin -> editor would be withheld by a safety rail \(last-admin guard/);
    expect(r.json().secodaRead).toMatchObject({ confirmed: 2, replanned: 1, gone: 0 });

    // From the corrected snapshot: root is made admin again, then alan steps down; never without an admin.
    for (let run = 0; run < 3 && (roleOf('root@acme.com') !== 'admin' || roleOf('alan@acme.com') !== 'editor'); run++) {
      const next = await h.run(['reconcile']);
      expect([0, 3], next.stderr).toContain(next.code);
      expect(next.json().secodaRead.mode).toBe('snapshot');
      expect(h.secoda.users().some((u) => u.role === 'admin')).toBe(true);
    }
    expect([roleOf('root@acme.com'), roleOf('alan@acme.com')]).toEqual(['admin', 'editor']);
  });

  it('a confirmed delete of a user already removed by hand sends nothing and counts as done', async () => {
    seedConverged();
    await firstRun();
    h.org.remove('left@acme.com');
    h.secoda.remove('u-left');
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(secodaWrites()).toEqual([]);
    expect(r.json().actions).toEqual([expect.objectContaining({ type: 'delete', email: 'left@acme.com', status: 'succeeded', error: expect.stringMatching(/^already gone/) })]);
    expect(r.json().secodaRead).toMatchObject({ confirmed: 1, replanned: 0, gone: 1 });
  });

  it('a hand change nothing is planned for waits for the next full read: --refresh and SECODA_REFRESH=0 read the whole list and correct it', async () => {
    seedConverged();
    await firstRun();
    h.secoda.update('u-ada', { role: 'admin' }); // by hand; the org still says analyst -> viewer

    const quiet = await h.run(['reconcile']);
    expect(quiet.json().secodaRead.mode).toBe('snapshot');
    expect(quiet.json().actions).toEqual([]);
    expect(listPages()).toBe(0);
    expect(roleOf('ada@acme.com')).toBe('admin');

    const refreshed = await h.run(['reconcile', '--refresh']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expectFullRead(refreshed, /^reconcile --refresh$/);
    expect(roleOf('ada@acme.com')).toBe('viewer');

    h.secoda.update('u-ada', { role: 'editor' });
    h.secoda.resetLog();
    const every = await h.run(['reconcile'], { SECODA_REFRESH: '0' });
    expect(every.code, every.stderr).toBe(0);
    expectFullRead(every, /SECODA_REFRESH is 0/);
    expect(roleOf('ada@acme.com')).toBe('viewer');

    // Older than SECODA_REFRESH: read in full.
    h.secoda.resetLog();
    const old = await h.run(['reconcile', '--dry-run'], { SECODA_REFRESH: '1ms' });
    expectFullRead(old, /^the snapshot is \S+ old, SECODA_REFRESH is 1ms$/);
  });

  it('a confirmation read the key is refused for fails that write as an auth failure: nothing sent, no further write', async () => {
    seedConverged();
    await firstRun();
    h.org.remove('left@acme.com'); // planned: delete u-left (deletes go first)
    orgRoles('ada@acme.com', ['developer']); // planned: ada viewer -> editor
    h.secoda.fault({ method: 'GET', path: '/api/v1/user/u-left/', kind: 'status', status: 401 });

    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    expect(secodaWrites()).toEqual([]);
    const del = r.json().actions.find((a: { type: string }) => a.type === 'delete');
    expect(del).toMatchObject({ email: 'left@acme.com', status: 'failed' });
    expect(del.error).toMatch(/^could not confirm left@acme.com's live record before the delete, nothing sent: secoda API refused GET \S+\/api\/v1\/user\/u-left\/: 401 Unauthorized — check SECODA_API_KEY/);
    expect(r.json().error).toMatch(/stopped after it; 1 action\(s\) not attempted/);
    expect(roleOf('ada@acme.com')).toBe('viewer');
  });

  it('a failed run forces a full read next time', async () => {
    seedConverged();
    await firstRun();
    orgRoles('ada@acme.com', ['developer']);
    h.secoda.fault({ method: 'PATCH', kind: 'status', status: 500, times: 4 });
    const failed = await h.run(['reconcile']);
    expect(failed.code).toBe(1);
    expect(failed.json().secodaRead.mode).toBe('snapshot');

    h.secoda.resetLog();
    const next = await h.run(['reconcile']);
    expect(next.code, next.stderr).toBe(0);
    expectFullRead(next, new RegExp(`^the previous run \\(${failed.json().runId}\\) failed: writes of unknown outcome may be missing from the snapshot$`));
    expect(roleOf('ada@acme.com')).toBe('editor');
  });

  it('an invite of an email someone added by hand since the snapshot is refused as existing: the run fails, the next reads in full and settles it', async () => {
    seedConverged();
    await firstRun();
    orgAdd({ email: 'grace@acme.com', name: 'Grace Hopper', roles: ['developer'] });
    h.secoda.seed([{ id: 'u-grace', email: 'Grace@acme.com', role: 'viewer', pending: true }]); // invited by hand

    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    expect(r.json().actions).toEqual([expect.objectContaining({ type: 'invite', status: 'failed', error: expect.stringMatching(/already exists/) })]);
    expect(h.secoda.users().filter((u) => u.email.toLowerCase() === 'grace@acme.com')).toHaveLength(1);

    h.secoda.resetLog();
    const next = await h.run(['reconcile']);
    expect(next.code, next.stderr).toBe(0);
    expectFullRead(next, /previous run \(\d+\) failed/);
    expect(secodaWrites()).toEqual(['PATCH /api/v1/user/u-grace/']);
    expect(roleOf('grace@acme.com')).toBe('editor');
  });
});
