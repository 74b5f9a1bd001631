/**
 * The plan's rails against what Secoda's API may send (unknown roles,
 * duplicate accounts, accounts without email), the mass-demotion guard, the
 * small-workspace rule of the percent caps, and the key owner's protection.
 */
import { describe, expect, it } from 'vitest';
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import { percentAllowance } from '../../src/core/guards.js';
import { org, plan, secoda } from './fixtures.js';

const staff = (n: number, role = 'viewer') => Array.from({ length: n }, (_, i) => secoda(`u${i}@x.com`, role));
const staffOrg = (n: number, roles = ['analyst']) => Array.from({ length: n }, (_, i) => org(`u${i}@x.com`, roles));

describe('Secoda roles outside admin/editor/viewer/guest', () => {
  it('are skipped with the role named, never re-roled, "upgraded" or deleted, and their email is not invited again', () => {
    const p = plan(
      [org('root@x.com', ['admin']), org('none@x.com', ['admin']), org('owner@x.com', ['analyst'])],
      [
        secoda('root@x.com', 'admin'),
        secoda('none@x.com', 'none'),
        secoda('owner@x.com', 'Owner'),
        secoda('missing@x.com', ''),
        secoda('custom@x.com', 'data-steward'),
      ],
    );
    expect(p.actions).toEqual([]);
    expect(p.skipped).toEqual([
      { email: 'custom@x.com', reason: 'unknown role "data-steward"' },
      { email: 'missing@x.com', reason: 'unknown role (missing)' },
      { email: 'none@x.com', reason: 'unknown role "none"' },
      { email: 'owner@x.com', reason: 'unknown role "owner"' },
    ]);
    expect(p.managed).toBe(1);
  });

  it('do not count as admins for the last-admin guard', () => {
    const p = plan([org('ann@x.com', ['analyst'])], [secoda('root@x.com', 'admin'), secoda('boss@x.com', 'owner'), secoda('ann@x.com', 'viewer')], { maxDeletes: 5 });
    expect(p.actions).toEqual([expect.objectContaining({ type: 'delete', email: 'root@x.com', status: 'withheld' })]);
    expect(p.holds).toEqual([expect.stringMatching(/^last-admin guard: root@x.com/)]);
  });
});

describe('two Secoda accounts with one email', () => {
  it('a pending twin does not absorb the last-admin guard: both accounts are left alone and reported, and the run notes it', () => {
    // The pending twin is listed first: before, the guard held it back and deleted the real admin.
    const p = plan([org('ann@x.com', ['analyst'])], [
      secoda('Root@x.com', 'admin', { id: 'pending-twin', pending: true }),
      secoda('root@x.com', 'admin', { id: 'real-admin' }),
      secoda('ann@x.com', 'viewer'),
    ], { maxDeletes: 5 });
    expect(p.actions).toEqual([]);
    expect(p.skipped).toEqual([
      { email: 'Root@x.com (Secoda id pending-twin)', reason: 'duplicate account' },
      { email: 'root@x.com (Secoda id real-admin)', reason: 'duplicate account' },
    ]);
    expect(p.notes).toEqual([expect.stringMatching(/^2 accounts share one email \(root@x.com\): they are left alone/)]);
  });

  it('a disabled twin does not hide an active leaver: both are reported, neither is deleted silently', () => {
    const p = plan([org('root@x.com', ['admin'])], [
      secoda('root@x.com', 'admin'),
      secoda('leaver@x.com', 'viewer', { id: 'old', disabled: true }),
      secoda('LEAVER@x.com', 'editor', { id: 'active' }),
    ]);
    expect(p.actions).toEqual([]);
    expect(p.skipped.map((s) => s.email)).toEqual(['LEAVER@x.com (Secoda id active)', 'leaver@x.com (Secoda id old)']);
    expect(p.skipped.every((s) => s.reason === 'duplicate account')).toBe(true);
  });

  it('a member of the org whose email has two accounts is neither invited nor re-roled', () => {
    const p = plan([org('root@x.com', ['admin']), org('dup@x.com', ['admin'])], [
      secoda('root@x.com', 'admin'), secoda('dup@x.com', 'viewer', { id: 'a' }), secoda('Dup@X.com ', 'viewer', { id: 'b' }),
    ]);
    expect(p.actions).toEqual([]);
  });

  it('the last-admin guard counts accounts by id: active twins left alone still administer, pending ones do not', () => {
    const activeTwins = plan([org('ann@x.com', ['analyst'])], [
      secoda('root@x.com', 'admin'), secoda('twin@x.com', 'admin', { id: 't1' }), secoda('Twin@x.com', 'admin', { id: 't2' }), secoda('ann@x.com', 'viewer'),
    ], { maxDeletes: 5 });
    expect(activeTwins.actions).toEqual([expect.objectContaining({ type: 'delete', email: 'root@x.com', status: 'planned' })]);

    const pendingTwins = plan([org('ann@x.com', ['analyst'])], [
      secoda('root@x.com', 'admin'),
      secoda('twin@x.com', 'admin', { id: 't1', pending: true }),
      secoda('Twin@x.com', 'admin', { id: 't2', disabled: true }),
      secoda('ann@x.com', 'viewer'),
    ], { maxDeletes: 5 });
    expect(pendingTwins.actions).toEqual([expect.objectContaining({ type: 'delete', email: 'root@x.com', status: 'withheld' })]);
  });

  it('the same id listed twice is one account, not a duplicate', () => {
    const twice = secoda('a@x.com', 'viewer', { id: 'same' });
    expect(secodaUsersToMembers([twice, twice])).toHaveLength(1);
    expect(plan([org('a@x.com', ['analyst']), org('root@x.com', ['admin'])], [twice, twice, secoda('root@x.com', 'admin')]).skipped).toEqual([]);
  });
});

describe('a Secoda account with an id but no email', () => {
  it('is skipped as "no email", shown by its Secoda id, never acted on, and matches no one', () => {
    const p = plan([org('root@x.com', ['admin'])], [secoda('root@x.com', 'admin'), secoda('', 'admin', { id: 'svc-7' }), secoda('  ', 'viewer', { id: 'svc-8' })]);
    expect(p.actions).toEqual([]);
    expect(p.skipped).toEqual([
      { email: '(no email) Secoda id svc-7', reason: 'no email' },
      { email: '(no email) Secoda id svc-8', reason: 'no email' },
    ]);
    expect(p.managed).toBe(1);
  });
});

describe('mass-demotion guard', () => {
  // Ten managed users; the source demotes three editors (e.g. their org roles came back empty).
  const target = [secoda('root@x.com', 'admin'), secoda('e1@x.com', 'editor'), secoda('e2@x.com', 'editor'), secoda('e3@x.com', 'editor'), ...staff(5), secoda('gone@x.com', 'viewer')];
  const source = [org('root@x.com', ['admin']), org('e1@x.com', []), org('e2@x.com', []), org('e3@x.com', []), ...staffOrg(4, ['developer']), org('u4@x.com', ['analyst']), org('new@x.com', ['analyst'])];

  it('over MAX_DEMOTIONS withholds every downgrade, names the numbers and the override; deletes, upgrades and invites go on', () => {
    const p = plan(source, target, { maxDemotions: 2 });
    const downs = p.actions.filter((a) => a.direction === 'down');
    expect(downs.map((a) => [a.email, a.status])).toEqual([['e1@x.com', 'withheld'], ['e2@x.com', 'withheld'], ['e3@x.com', 'withheld']]);
    expect(p.holds).toEqual(['mass-demotion guard: 3 demotions planned, over MAX_DEMOTIONS=2; no demotions made. To allow them once: review the plan (reconcile --dry-run), then run reconcile --max-demotions 3']);
    expect(p.actions.filter((a) => a.status === 'planned').map((a) => a.type)).toEqual(['delete', 'update_role', 'update_role', 'update_role', 'update_role', 'invite']);
  });

  it('over MAX_DEMOTION_PERCENT of managed users withholds them too; within both caps nothing is held', () => {
    const byPercent = plan(source, target, { maxDemotionPercent: 20 });
    expect(byPercent.holds).toEqual(['mass-demotion guard: 3 demotions planned, over MAX_DEMOTION_PERCENT=20% (30.0% of 10 managed); no demotions made. To allow them once: review the plan (reconcile --dry-run), then run reconcile --max-demotions 3']);
    const within = plan(source, target, { maxDemotions: 3, maxDemotionPercent: 30 });
    expect(within.holds).toEqual([]);
    expect(within.actions.every((a) => a.status === 'planned')).toBe(true);
  });

  it('is a guard of its own: demotions over the cap do not hold deletes, and deletes over theirs do not hold demotions', () => {
    const p = plan(source, target, { maxDemotions: 2, maxDeletes: 0 });
    expect(p.holds.map((h) => h.split(':')[0])).toEqual(['mass-delete guard', 'mass-demotion guard']);
    const deletesOnly = plan(source, target, { maxDeletes: 0 });
    expect(deletesOnly.actions.filter((a) => a.direction === 'down').every((a) => a.status === 'planned')).toBe(true);
  });
});

describe('small workspaces: a percent cap always allows one change', () => {
  it('one leaver among three users is deleted under the default 20%; two of three are held', () => {
    const three = [secoda('root@x.com', 'admin'), secoda('a@x.com', 'viewer'), secoda('b@x.com', 'viewer')];
    const one = plan([org('root@x.com', ['admin']), org('a@x.com', ['analyst'])], three, { maxDeletePercent: 20 });
    expect(one.holds).toEqual([]);
    expect(one.actions).toEqual([expect.objectContaining({ type: 'delete', email: 'b@x.com', status: 'planned' })]);
    const two = plan([org('root@x.com', ['admin'])], three, { maxDeletePercent: 20 });
    expect(two.holds).toEqual([expect.stringContaining('MAX_DELETE_PERCENT=20% (66.7% of 3 managed)')]);
  });

  it('the same for demotions: one of three is made, two of three are held', () => {
    const three = [secoda('root@x.com', 'admin'), secoda('a@x.com', 'editor'), secoda('b@x.com', 'editor')];
    const one = plan([org('root@x.com', ['admin']), org('a@x.com', ['developer']), org('b@x.com', ['analyst'])], three, { maxDemotionPercent: 20 });
    expect(one.holds).toEqual([]);
    const two = plan([org('root@x.com', ['admin']), org('a@x.com', ['analyst']), org('b@x.com', ['analyst'])], three, { maxDemotionPercent: 20 });
    expect(two.holds).toEqual([expect.stringContaining('MAX_DEMOTION_PERCENT=20% (66.7% of 3 managed)')]);
  });

  it('rounds the allowance up to a whole member, and only then: 0% still allows none', () => {
    expect(percentAllowance(20, 3)).toBe(1);
    expect(percentAllowance(20, 10)).toBe(2);
    expect(percentAllowance(20, 11)).toBe(3);
    expect(percentAllowance(14.3, 1000)).toBe(143);
    expect(percentAllowance(0, 50)).toBe(0);
  });
});

describe('SECODA_KEY_OWNER', () => {
  const owner = { keyOwner: 'keys@x.com' };
  it('is never deleted, demoted or upgraded, and is reported as protected', () => {
    const target = [secoda('root@x.com', 'admin'), secoda('keys@x.com', 'admin')];
    expect(plan([org('root@x.com', ['admin'])], target, owner).actions).toEqual([]);
    expect(plan([org('root@x.com', ['admin']), org('keys@x.com', ['analyst'])], target, owner).actions).toEqual([]);
    const editorOwner = plan([org('root@x.com', ['admin']), org('Keys@X.com', ['admin'])], [secoda('root@x.com', 'admin'), secoda('keys@x.com', 'editor')], owner);
    expect(editorOwner.actions).toEqual([]);
    expect(editorOwner.skipped).toEqual([{ email: 'Keys@X.com', reason: 'protected (SECODA_KEY_OWNER)' }]);
    // Without it, the same plan deletes the key's owner.
    expect(plan([org('root@x.com', ['admin'])], target).actions).toEqual([expect.objectContaining({ type: 'delete', email: 'keys@x.com', status: 'planned' })]);
  });

  it('unset: exactly one warning note says the key owner is unprotected and how to fix it', () => {
    const p = plan([org('root@x.com', ['admin'])], [secoda('root@x.com', 'admin')], { keyOwner: null });
    expect(p.notes).toHaveLength(1);
    expect(p.notes[0]).toMatch(/^warning: SECODA_KEY_OWNER is not set.*not protected.*Set SECODA_KEY_OWNER/);
  });

  it('set to an address Secoda does not have, or to a non-admin: a warning; set right: no note', () => {
    const target = [secoda('root@x.com', 'admin'), secoda('keys@x.com', 'editor')];
    expect(plan([], target, { keyOwner: 'kyes@x.com' }).notes).toEqual([expect.stringMatching(/kyes@x.com is not a user of this Secoda workspace/)]);
    expect(plan([], target, owner).notes).toEqual([expect.stringMatching(/keys@x.com is not an active admin/)]);
    expect(plan([], target, { keyOwner: 'root@x.com' }).notes).toEqual([]);
  });
});
