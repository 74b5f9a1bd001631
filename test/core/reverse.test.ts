/**
 * The plan engine in the reverse direction: Secoda as the source, the org as
 * the target. Nothing in src/core changes for it — the target's vocabulary
 * (the org's roles, highest first, and its admin role) arrives as options —
 * so deletes, the revoke-before-grant order and every guard follow the org's
 * ranking, not Secoda's.
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_ORG_ROLES } from '../../src/adapters/org-roles.js';
import { SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import { memberKey, type Member } from '../../src/core/member.js';
import { computePlan, type PlanOptions } from '../../src/core/plan.js';
import { mapRole, parseRoleMap, type RoleVocabulary } from '../../src/core/roles.js';

const ORG: RoleVocabulary = { name: 'org', roles: KNOWN_ORG_ROLES, adminRole: 'admin', unmanaged: [] };
/** Secoda roles onto the org's: the default ROLE_MAP read backwards. */
const reverseMap = parseRoleMap('admin:admin,editor:developer,viewer:analyst', { sourceName: 'secoda', target: ORG, example: 'admin:admin' });

/** A Secoda user as a desired member: its role translated into the org's vocabulary. */
const fromSecoda = (email: string, secodaRole: string): Member => {
  const role = mapRole([secodaRole], reverseMap);
  return { key: memberKey(email), email, name: 'Ada Lovelace', role, ...(role === null ? { exclusion: 'unmapped_role' as const } : {}) };
};
/** An org user as a current member of the target. */
const inOrg = (email: string, role: string, extra: Partial<Member> = {}): Member => ({
  key: memberKey(email), email, name: 'Org Person', role, id: `org-${email}`, ...extra,
});

const options = (o: Partial<PlanOptions> = {}): PlanOptions => ({
  roleOrder: ORG.roles, adminRole: ORG.adminRole, isProtected: () => false, deleteHolds: [],
  maxDeletes: 25, maxDeletePercent: null, maxDemotions: 25, maxDemotionPercent: null, ...o,
});

describe('computePlan with the org as the target', () => {
  const desired = [
    fromSecoda('root@x.com', 'admin'),
    fromSecoda('dev@x.com', 'viewer'), // developer -> analyst: down in the org's ranking
    fromSecoda('ana@x.com', 'editor'), // analyst -> developer: up
    fromSecoda('same@x.com', 'editor'),
    fromSecoda('new@x.com', 'viewer'),
  ];
  const current = [
    inOrg('root@x.com', 'admin'),
    inOrg('dev@x.com', 'developer'),
    inOrg('ana@x.com', 'analyst'),
    inOrg('same@x.com', 'developer'),
    inOrg('gone@x.com', 'analyst'),
  ];

  it('deletes leavers, then downgrades, then upgrades, then invites, ranked by the org roles', () => {
    const p = computePlan(desired, current, options());
    expect(p.actions.map((a) => [a.type, a.email, a.from ?? null, a.to ?? null, a.direction ?? null])).toEqual([
      ['delete', 'gone@x.com', 'analyst', null, null],
      ['update_role', 'dev@x.com', 'developer', 'analyst', 'down'],
      ['update_role', 'ana@x.com', 'analyst', 'developer', 'up'],
      ['invite', 'new@x.com', null, 'analyst', null],
    ]);
    expect(p.actions.every((a) => a.status === 'planned')).toBe(true);
    expect([p.unchanged, p.managed, p.holds]).toEqual([2, 5, []]);
  });

  it('takes its ranking from the options alone: under Secoda\'s order the same change is no downgrade', () => {
    const p = computePlan(desired, current, options({ roleOrder: SECODA_VOCABULARY.roles, maxDemotions: 0 }));
    // developer and analyst are unknown to Secoda's order: they rank alike, so nothing counts as a demotion.
    expect(p.actions.filter((a) => a.direction === 'down')).toEqual([]);
    expect(p.holds).toEqual([]);
    const org = computePlan(desired, current, options({ maxDemotions: 0 }));
    expect(org.holds).toEqual([{ kind: 'mass_demotion', count: 1, managed: 5, max: 0, maxPercent: null, overCount: true, overPercent: false }]);
    expect(org.actions.filter((a) => a.status === 'withheld').map((a) => a.email)).toEqual(['dev@x.com']);
  });

  it('mass-delete guard: over the cap withholds every delete of org users, and nothing else', () => {
    const leavers = [inOrg('l1@x.com', 'analyst'), inOrg('l2@x.com', 'developer')];
    const p = computePlan(desired, [...current, ...leavers], options({ maxDeletes: 2, maxDeletePercent: 20 }));
    const deletes = p.actions.filter((a) => a.type === 'delete');
    expect(deletes.map((a) => [a.email, a.status])).toEqual([['gone@x.com', 'withheld'], ['l1@x.com', 'withheld'], ['l2@x.com', 'withheld']]);
    expect(p.holds).toEqual([{ kind: 'mass_delete', count: 3, managed: 7, max: 2, maxPercent: 20, overCount: true, overPercent: true }]);
    expect(p.actions.filter((a) => a.type !== 'delete').every((a) => a.status === 'planned')).toBe(true);
  });

  it('an empty source withholds every delete', () => {
    const p = computePlan([], current, options());
    expect(p.actions.every((a) => a.type === 'delete' && a.status === 'withheld')).toBe(true);
    expect(p.holds).toEqual([{ kind: 'empty_source', managed: 5 }]);
  });

  it('last-admin guard on the org\'s admin role: the only active org admin is neither demoted nor deleted', () => {
    const demoted = computePlan([fromSecoda('root@x.com', 'editor')], [inOrg('root@x.com', 'admin')], options());
    expect(demoted.actions.map((a) => [a.type, a.from, a.to, a.direction, a.status])).toEqual([['update_role', 'admin', 'developer', 'down', 'withheld']]);
    expect(demoted.holds).toEqual([{ kind: 'last_admin', email: 'root@x.com', role: 'admin', action: 'update_role' }]);

    // A pending org admin administers nothing: the active one is still the last.
    const deleted = computePlan(
      [fromSecoda('other@x.com', 'admin')],
      [inOrg('root@x.com', 'admin'), inOrg('other@x.com', 'admin', { pending: true })],
      options({ maxDeletes: 5 }),
    );
    expect(deleted.actions.map((a) => [a.type, a.email, a.status])).toEqual([['delete', 'root@x.com', 'withheld']]);
    expect(deleted.holds).toEqual([{ kind: 'last_admin', email: 'root@x.com', role: 'admin', action: 'delete' }]);

    // With a second active org admin the demotion goes ahead.
    const second = computePlan([fromSecoda('root@x.com', 'editor'), fromSecoda('b@x.com', 'admin')], [inOrg('root@x.com', 'admin'), inOrg('b@x.com', 'admin')], options());
    expect(second.holds).toEqual([]);
  });

  it('a Secoda role the reverse map does not name leaves its member out; the key owner must be an org admin', () => {
    const p = computePlan(
      [fromSecoda('guest@x.com', 'guest'), fromSecoda('root@x.com', 'admin')],
      [inOrg('guest@x.com', 'analyst'), inOrg('root@x.com', 'admin'), inOrg('keys@x.com', 'developer')],
      options({ keyOwner: 'keys@x.com' }),
    );
    // The unmapped member is neither re-roled nor deleted; the key owner is left alone and noted.
    expect(p.actions).toEqual([]);
    expect(p.skipped).toEqual([{ email: 'guest@x.com', kind: 'unmapped_role' }, { email: 'keys@x.com', kind: 'key_owner' }]);
    expect(p.notes).toEqual([{ kind: 'key_owner_not_admin', key: 'keys@x.com', adminRole: 'admin' }]);
  });
});
