import { describe, expect, it } from 'vitest';
import { protectedMatcher } from '../../src/core/normalise.js';
import { org, plan, secoda } from './fixtures.js';

describe('computePlan', () => {
  it('invites missing members, re-roles changed ones, deletes leavers, in revoke-before-grant order', () => {
    const p = plan(
      [org('new@x.com', ['developer']), org('up@x.com', ['admin']), org('down@x.com', ['analyst']), org('same@x.com', ['analyst']), org('boss@x.com', ['admin'])],
      [secoda('up@x.com', 'viewer'), secoda('down@x.com', 'editor'), secoda('same@x.com', 'viewer'), secoda('gone@x.com', 'editor'), secoda('boss@x.com', 'admin')],
    );
    expect(p.actions.map((a) => [a.type, a.email, a.from ?? null, a.to ?? null])).toEqual([
      ['delete', 'gone@x.com', 'editor', null],
      ['update_role', 'down@x.com', 'editor', 'viewer'],
      ['update_role', 'up@x.com', 'viewer', 'admin'],
      ['invite', 'new@x.com', null, 'editor'],
    ]);
    expect(p.unchanged).toBe(2);
    expect(p.managed).toBe(5);
    expect(p.holds).toEqual([]);
  });

  it('matches emails trimmed and case-insensitively, and counts a duplicate source email once with its highest role', () => {
    const p = plan([org('  Ada@X.com ', ['analyst']), org('ada@x.com', ['admin']), org('bob@x.com', ['developer'])], [secoda('ADA@x.COM', 'admin'), secoda('Bob@X.com', 'editor'), secoda('root@x.com', 'admin')]);
    expect(p.actions.filter((a) => a.type !== 'delete')).toEqual([]);
    expect(p.unchanged).toBe(2);
  });

  it('gives a member with several org roles the first listed match, and DEFAULT_ROLE to unmapped ones', () => {
    const p = plan([org('a@x.com', ['analyst', 'developer']), org('b@x.com', ['intern'])], [secoda('root@x.com', 'admin')], { maxDeletes: 5 });
    const invites = p.actions.filter((a) => a.type === 'invite');
    expect(invites.map((a) => [a.email, a.to])).toEqual([['a@x.com', 'editor'], ['b@x.com', 'viewer']]);
  });

  it('DEFAULT_ROLE=none leaves unmapped members out entirely: neither invited nor deleted', () => {
    const p = plan([org('intern@x.com', ['intern']), org('root@x.com', ['admin'])], [secoda('intern@x.com', 'viewer'), secoda('root@x.com', 'admin')], {}, null);
    expect(p.actions).toEqual([]);
    expect(p.skipped).toEqual([{ email: 'intern@x.com', reason: 'no mapped role (DEFAULT_ROLE=none)' }]);
  });

  it('never touches service accounts, guests, disabled or protected users, and lists them as skipped', () => {
    const p = plan(
      [org('root@x.com', ['admin']), org('disabled@x.com', ['admin'])],
      [
        secoda('root@x.com', 'admin'),
        secoda('bot@x.com', 'admin', { is_service_account: true }),
        secoda('guest@x.com', 'guest'),
        secoda('disabled@x.com', 'viewer', { disabled: true }),
        secoda('ceo@vip.com', 'viewer'),
        secoda('cfo@x.com', 'editor'),
      ],
      { isProtected: protectedMatcher(['@vip.com', 'CFO@x.com']) },
    );
    expect(p.actions).toEqual([]);
    expect(p.skipped.map((s) => [s.email, s.reason])).toEqual([
      ['bot@x.com', 'service account'],
      ['ceo@vip.com', 'protected (PROTECTED_EMAILS)'],
      ['cfo@x.com', 'protected (PROTECTED_EMAILS)'],
      ['disabled@x.com', 'disabled'],
      ['guest@x.com', 'guest'],
    ]);
    expect(p.managed).toBe(1);
  });

  it('counts pending invitations as present: never invites twice', () => {
    const p = plan([org('p@x.com', ['analyst']), org('root@x.com', ['admin'])], [secoda('p@x.com', 'viewer', { pending: true }), secoda('root@x.com', 'admin')]);
    expect(p.actions).toEqual([]);
  });

  it('withholds every delete when the source is empty but Secoda has managed users', () => {
    const p = plan([], [secoda('a@x.com', 'viewer'), secoda('root@x.com', 'admin')]);
    expect(p.actions.every((a) => a.type === 'delete' && a.status === 'withheld')).toBe(true);
    expect(p.holds.join(' ')).toMatch(/no users.*2 managed/);
  });

  it('withholds every delete for caller-side reasons (bad source data) but keeps invites and re-roles', () => {
    const p = plan([org('new@x.com', ['analyst']), org('root@x.com', ['admin'])], [secoda('old@x.com', 'viewer'), secoda('root@x.com', 'admin')], { deleteHolds: ['source inconsistent'] });
    expect(p.actions.map((a) => [a.type, a.status])).toEqual([['delete', 'withheld'], ['invite', 'planned']]);
    expect(p.holds).toEqual(['source inconsistent']);
  });

  it('mass-delete guard: over MAX_DELETES or MAX_DELETE_PERCENT withholds all deletes and names numbers and override', () => {
    const target = [secoda('root@x.com', 'admin'), ...Array.from({ length: 9 }, (_, i) => secoda(`u${i}@x.com`, 'viewer'))];
    const source = [org('root@x.com', ['admin']), ...Array.from({ length: 6 }, (_, i) => org(`u${i}@x.com`, ['analyst']))];
    const byCount = plan(source, target, { maxDeletes: 2 });
    expect(byCount.actions.filter((a) => a.type === 'delete').map((a) => a.status)).toEqual(['withheld', 'withheld', 'withheld']);
    expect(byCount.holds[0]).toContain('3 deletes planned');
    expect(byCount.holds[0]).toContain('MAX_DELETES=2');
    expect(byCount.holds[0]).toContain('then run reconcile --max-deletes 3');
    const byPercent = plan(source, target, { maxDeletePercent: 20 });
    expect(byPercent.holds[0]).toContain('MAX_DELETE_PERCENT=20% (30.0% of 10 managed)');
    const within = plan(source, target, { maxDeletes: 3, maxDeletePercent: 30 });
    expect(within.holds).toEqual([]);
    expect(within.actions.every((a) => a.status === 'planned')).toBe(true);
  });

  it('never deletes or demotes the last remaining active admin', () => {
    const del = plan([org('a@x.com', ['analyst'])], [secoda('root@x.com', 'admin'), secoda('a@x.com', 'viewer')]);
    expect(del.actions).toEqual([expect.objectContaining({ type: 'delete', email: 'root@x.com', status: 'withheld' })]);
    expect(del.holds[0]).toMatch(/last-admin guard: root@x.com/);

    const demote = plan([org('root@x.com', ['analyst']), org('two@x.com', ['analyst'])], [secoda('root@x.com', 'admin'), secoda('two@x.com', 'admin')]);
    expect(demote.actions.map((a) => [a.email, a.status])).toEqual([['root@x.com', 'withheld'], ['two@x.com', 'planned']]);

    // A pending admin does not count: it cannot administer anything yet.
    const pendingOnly = plan([org('a@x.com', ['analyst'])], [secoda('root@x.com', 'admin'), secoda('p@x.com', 'admin', { pending: true })], { maxDeletes: 5 });
    expect(pendingOnly.actions.find((a) => a.email === 'root@x.com')?.status).toBe('withheld');

    // Neither a service account nor a disabled admin is the remaining admin a person needs.
    const onlyMachines = plan([org('new@x.com', ['analyst'])], [
      secoda('root@x.com', 'admin'),
      secoda('bot@x.com', 'admin', { is_service_account: true }),
      secoda('old@x.com', 'admin', { is_service_account: true, disabled: true }),
      secoda('gone@x.com', 'admin', { disabled: true }),
    ], { maxDeletes: 5 });
    expect(onlyMachines.actions.find((a) => a.email === 'root@x.com')?.status).toBe('withheld');
    expect(onlyMachines.skipped.find((s) => s.email === 'old@x.com')?.reason).toBe('disabled');

    // A freshly invited admin is pending: one of the old admins stays until the next run.
    const handover = plan([org('new@x.com', ['admin'])], [secoda('root@x.com', 'admin'), secoda('other@x.com', 'admin')], { maxDeletes: 5 });
    expect(handover.actions.map((a) => [a.email, a.status])).toEqual([['other@x.com', 'withheld'], ['root@x.com', 'planned'], ['new@x.com', 'planned']]);

    const another = plan([org('new@x.com', ['admin']), org('stay@x.com', ['admin'])], [secoda('root@x.com', 'admin'), secoda('stay@x.com', 'admin')]);
    expect(another.holds).toEqual([]);
  });

  it('is pure: the same input gives the same plan and the input is not modified', () => {
    const source = [org('b@x.com', ['analyst']), org('a@x.com', ['developer'])];
    const target = [secoda('c@x.com', 'viewer'), secoda('root@x.com', 'admin')];
    const frozen = JSON.stringify([source, target]);
    expect(plan(source, target)).toEqual(plan(source, target));
    expect(JSON.stringify([source, target])).toBe(frozen);
  });
});
