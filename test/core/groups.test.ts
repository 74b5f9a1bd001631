/** The group and name parts of the plan (core, pure): GROUP_MAP membership, its rails, SYNC_NAMES. */
import { describe, expect, it } from 'vitest';
import { groupKey, matchGroups, withSentMemberships, type TargetGroup } from '../../src/core/groups.js';
import { orgUsersToMembers } from '../../src/core/normalise.js';
import { computeSyncPlan, type SyncPlanOptions } from '../../src/core/plan-sync.js';
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import { SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import { parseGroupMap } from '../../src/config/parse-groups.js';
import { planText } from '../../src/render/holds.js';
import type { SourceUser } from '../../src/core/member.js';
import type { SecodaUser } from '../../src/adapters/secoda-records.js';
import { options, org, roleMap, secoda } from './fixtures.js';

const groupMap = parseGroupMap('developer:Engineering,analyst:Analysts,admin:Engineering', ['admin', 'developer', 'analyst']);

function syncPlan(source: SourceUser[], target: SecodaUser[], groups: TargetGroup[], o: Partial<SyncPlanOptions> = {}) {
  const desired = orgUsersToMembers(source, { roleMap, defaultRole: 'viewer', roleOrder: SECODA_VOCABULARY.roles, groupMap: groupMap! });
  const names = ['Engineering', 'Analysts'];
  const { found } = matchGroups(names, groups);
  const p = computeSyncPlan(desired, secodaUsersToMembers(target), { ...options(), groups: { names, found }, ...o });
  return { ...p, ...planText(p) };
}
const groupsOf = (p: ReturnType<typeof syncPlan>) =>
  p.actions.filter((a) => a.type === 'group').map((a) => ({ name: a.group!.name, created: a.group!.id === undefined, status: a.status,
    added: a.group!.added.map((x) => x.email), removed: a.group!.removed.map((x) => x.email), held: a.group!.withheldRemovals.map((x) => x.email), members: [...a.group!.memberIds].sort() }));

describe('GROUP_MAP in the plan', () => {
  const source = [org('dev@x.com', ['developer']), org('ana@x.com', ['analyst']), org('new@x.com', ['developer', 'analyst']), org('boss@x.com', ['admin'])];
  const target = [secoda('dev@x.com', 'editor'), secoda('ana@x.com', 'viewer'), secoda('boss@x.com', 'admin'), secoda('gone@x.com', 'viewer'),
    secoda('bot@x.com', 'editor', { is_service_account: true }), secoda('guest@x.com', 'guest')];
  const eng: TargetGroup = { id: 'g-eng', name: 'engineering', memberIds: ['s-ana@x.com', 's-bot@x.com', 's-guest@x.com', 's-gone@x.com', 'unknown-id'] };

  it('adds managed members their roles map to, removes managed members they do not; keeps unmanaged, unknown ids and leavers; creates a missing group', () => {
    const p = syncPlan(source, target, [eng]);
    expect(groupsOf(p)).toEqual([
      // The leaver is deleted first: the list sent afterwards no longer names it.
      { name: 'engineering', created: false, status: 'planned', added: ['boss@x.com', 'dev@x.com'], removed: ['ana@x.com'], held: [],
        members: ['s-boss@x.com', 's-bot@x.com', 's-dev@x.com', 's-guest@x.com', 'unknown-id'] },
      { name: 'Analysts', created: true, status: 'planned', added: ['ana@x.com'], removed: [], held: [], members: ['s-ana@x.com'] },
    ]);
    // The invite carries its groups (as the target names them); the group writes come before it.
    expect(p.actions.map((a) => a.type)).toEqual(['delete', 'group', 'group', 'invite']);
    expect(p.actions.at(-1)).toMatchObject({ email: 'new@x.com', groups: ['engineering', 'Analysts'] });
  });

  it('a converged group plans nothing', () => {
    const converged: TargetGroup[] = [
      { id: 'g1', name: 'Engineering', memberIds: ['s-dev@x.com', 's-boss@x.com', 's-bot@x.com'] },
      { id: 'g2', name: 'Analysts', memberIds: ['s-ana@x.com'] },
    ];
    const p = syncPlan(source.filter((s) => s.email !== 'new@x.com'), target.filter((t) => t.email !== 'gone@x.com'), converged);
    expect(p.actions).toEqual([]);
  });

  it('bad or incomplete source data withholds removals (adds still go); a group with only removals is withheld whole', () => {
    const p = syncPlan(source, target, [eng, { id: 'g2', name: 'Analysts', memberIds: ['s-ana@x.com', 's-dev@x.com'] }], { deleteHolds: ['source pull inconsistent'] });
    const [e, a] = groupsOf(p);
    expect(e).toMatchObject({ status: 'planned', added: ['boss@x.com', 'dev@x.com'], removed: [], held: ['ana@x.com'] });
    expect(e!.members).toContain('s-ana@x.com');
    // Deletes are withheld too: the leaver stays in the list.
    expect(e!.members).toContain('s-gone@x.com');
    expect(a).toMatchObject({ status: 'withheld', added: [], removed: [], held: ['dev@x.com'] });
    expect(p.holds).toContain('2 group removal(s) withheld (GROUP_MAP), as deletes are: source pull inconsistent');
  });

  it('group removals count toward the mass-demotion guard with the downgrades', () => {
    const p = syncPlan(source, target, [eng], { maxDemotions: 0 });
    expect(groupsOf(p)[0]).toMatchObject({ removed: [], held: ['ana@x.com'] });
    expect(p.holds[0]).toMatch(/^mass-demotion guard: 1 demotions planned \(0 role downgrade\(s\), 1 group removal\(s\)\), over MAX_DEMOTIONS=0/);
  });

  it('protected members and the key owner are neither added nor removed', () => {
    const p = syncPlan(source, target, [eng], { isProtected: (k) => k === 'ana@x.com', keyOwner: 'boss@x.com' });
    expect(groupsOf(p)[0]).toMatchObject({ added: ['dev@x.com'], removed: [] });
  });

  it('an email listed twice in the source belongs to the groups of both records', () => {
    const desired = orgUsersToMembers([org('a@x.com', ['developer']), org('A@x.com', ['analyst'])], { roleMap, defaultRole: 'viewer', roleOrder: SECODA_VOCABULARY.roles, groupMap: groupMap! });
    expect(desired.map((d) => d.groups)).toEqual([['Engineering', 'Analysts']]);
  });
});

describe('matching GROUP_MAP names to the target groups', () => {
  it('compares ignoring case and extra spaces; two groups answering to one name are ambiguous; a group without its users is unlisted', () => {
    const m = matchGroups(['Data Team', 'Ops'], [
      { id: '1', name: 'data  team', memberIds: [] }, { id: '2', name: ' DATA TEAM', memberIds: [] }, { id: '3', name: 'Ops', memberIds: null },
    ]);
    expect(m.ambiguous.map((a) => [a.name, a.groups.map((g) => g.id)])).toEqual([['Data Team', ['1', '2']]]);
    expect(m.unlisted.map((g) => g.id)).toEqual(['3']);
    expect(groupKey('  Data \t Team ')).toBe('data team');
  });
});

describe('memberships sent to pending members', () => {
  it('count as held while the member is pending and unlisted; listed, no longer pending or gone, they are forgotten', () => {
    const groups: TargetGroup[] = [{ id: 'g', name: 'G', memberIds: ['listed'] }];
    const r = withSentMemberships(groups, [
      { groupId: 'g', memberId: 'pend' }, { groupId: 'g', memberId: 'listed' }, { groupId: 'g', memberId: 'signed-in' }, { groupId: 'gone-group', memberId: 'pend' },
    ], new Set(['pend', 'listed']));
    expect(r.groups[0]!.memberIds).toEqual(['listed', 'pend']);
    expect(r.counted).toEqual([{ group: 'G', memberIds: ['pend'] }]);
    expect(r.stale.map((s) => `${s.groupId}/${s.memberId}`)).toEqual(['g/listed', 'g/signed-in', 'gone-group/pend']);
  });
});

describe('SYNC_NAMES in the plan', () => {
  const run = (name: string, first: string, last: string, o: Partial<SyncPlanOptions> = {}) => {
    const desired = orgUsersToMembers([org('a@x.com', ['analyst'], name)], { roleMap, defaultRole: 'viewer', roleOrder: SECODA_VOCABULARY.roles });
    return computeSyncPlan(desired, secodaUsersToMembers([secoda('a@x.com', 'viewer', { first_name: first, last_name: last })]), { ...options(), syncNames: true, ...o }).actions;
  };
  it('renames when the whitespace-collapsed full names differ, never for another split or to an empty name', () => {
    expect(run('Mary Ann  Smith', 'Mary', 'Ann Smith')).toEqual([]);
    expect(run('Mary Ann Smith', 'Mary Ann', 'Smith')).toEqual([]);
    expect(run('', 'Kept', 'Name')).toEqual([]);
    expect(run('Mary Smith', 'Mary', 'Jones')).toEqual([
      { type: 'update_name', key: 'a@x.com', email: 'a@x.com', name: 'Mary Smith', id: 's-a@x.com', fromName: 'Mary Jones', status: 'planned' },
    ]);
    expect(run('Mary Smith', 'Mary', 'Jones', { syncNames: false })).toEqual([]);
  });
});

describe('GROUP_MAP parsing', () => {
  const known = ['admin', 'developer', 'analyst'];
  it('takes everything after the first colon as the name (spaces and colons allowed); one role may feed several groups', () => {
    expect(parseGroupMap(' Developer : Data Eng: Core , developer:Everyone,analyst:Everyone', known)).toEqual([
      { from: 'developer', group: 'Data Eng: Core' }, { from: 'developer', group: 'Everyone' }, { from: 'analyst', group: 'Everyone' },
    ]);
    expect(parseGroupMap('  ', known)).toBeNull();
  });
  it('names malformed entries and unknown org roles', () => {
    expect(() => parseGroupMap('developer,intern:Interns,analyst:', known)).toThrow(
      /malformed entry "developer".*org role "intern", which the org API does not know.*malformed entry "analyst:"/,
    );
  });
});
