/**
 * Properties of the pure plan engine (computePlan), over thousands of random
 * organizations and Secoda workspaces: applying the planned actions yields
 * the desired state for managed members; planning again afterwards finds
 * nothing new; excluded and protected members never appear in an action;
 * no plan leaves zero active admins where there was one. Secoda's side may
 * hold what its API allows: duplicate accounts (case variants of one email),
 * accounts without email, roles outside the known four ("owner", "none", '').
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memberKey, type Member, type SourceUser as OrgUser } from '../../src/core/member.js';
import { orgUsersToMembers, protectedMatcher } from '../../src/core/normalise.js';
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import type { SecodaUser } from '../../src/adapters/secoda-records.js';
import { computePlan, type Plan, type PlanAction, type PlanOptions } from '../../src/core/plan.js';
import { DEFAULT_ROLE_MAP } from '../../src/config/variables.js';
import { parseRoleMap, SECODA_VOCABULARY, type SecodaRole } from '../../src/adapters/secoda-roles.js';
import { parseGroupMap } from '../../src/config/parse-groups.js';
import { addsNothing, mergeReads, type SourceRead } from '../../src/app/pull.js';

const roleMap = parseRoleMap(DEFAULT_ROLE_MAP);
const LOCALS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jo'];
const DOMAINS = ['acme.com', 'board.org'];

/** An email from a small pool (so both sides overlap), in a random case, sometimes padded. */
const email = fc
  .tuple(fc.constantFrom(...LOCALS), fc.constantFrom(...DOMAINS), fc.boolean(), fc.boolean())
  .map(([l, d, upper, pad]) => {
    const e = `${upper ? l[0]!.toUpperCase() + l.slice(1) : l}@${upper ? d.toUpperCase() : d}`;
    return pad ? ` ${e} ` : e;
  });

const orgUser = fc.record({
  email,
  name: fc.constantFrom('Ada Lovelace', 'Grace', '', 'Alan M Turing'),
  roles: fc.subarray(['admin', 'developer', 'analyst', 'intern', 'ADMIN']),
});

const secodaUser = fc.record({
  // Sometimes no email at all (the adapter gives ''), as a service account may have.
  email: fc.oneof({ weight: 12, arbitrary: email }, { weight: 1, arbitrary: fc.constant('') }),
  role: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('admin', 'editor', 'viewer', 'guest', 'Admin', 'Editor') },
    { weight: 1, arbitrary: fc.constantFrom('owner', 'none', '', 'custom-role') },
  ),
  pending: fc.boolean(),
  is_service_account: fc.constantFrom(false, false, false, true),
  disabled: fc.constantFrom(false, false, false, true),
});

/** Mostly unique emails (as Secoda enforces them case-sensitively at best), sometimes case-duplicate accounts. */
const secodaUsers = fc
  .oneof(
    { weight: 3, arbitrary: fc.uniqueArray(secodaUser, { selector: (u) => memberKey(u.email), maxLength: 12 }) },
    { weight: 2, arbitrary: fc.array(secodaUser, { maxLength: 12 }) },
  )
  .map((users) => users.map((u, i): SecodaUser => ({ id: `s${i}`, first_name: 'F', last_name: 'L', ...u })));

const scenario = fc.record({
  org: fc.array(orgUser, { maxLength: 14 }).map((us) => us.map((u, i): OrgUser => ({ id: `o${i}`, ...u }))),
  secoda: secodaUsers,
  defaultRole: fc.constantFrom<SecodaRole | null>('viewer', 'editor', null),
  protect: fc.oneof(fc.constant([] as string[]), fc.subarray(['eve@acme.com', 'IVY@board.org', 'jo@acme.com']), fc.subarray(['@board.org', 'ann@acme.com'])),
  keyOwner: fc.constantFrom<string | null | undefined>(undefined, null, 'ann@acme.com', 'bob@board.org'),
  maxDeletes: fc.oneof(fc.constant(1000), fc.integer({ min: 0, max: 6 })),
  maxDeletePercent: fc.oneof(fc.constant(null), fc.constant(100), fc.integer({ min: 0, max: 60 })),
  maxDemotions: fc.oneof(fc.constant(1000), fc.integer({ min: 0, max: 4 })),
  maxDemotionPercent: fc.oneof(fc.constant(null), fc.constant(100), fc.integer({ min: 0, max: 60 })),
  deleteHolds: fc.oneof({ weight: 4, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.constant(['source incomplete']) }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function setup(s: Scenario) {
  const protectedEmails = protectedMatcher(s.protect);
  // What the plan must leave alone as protected: PROTECTED_EMAILS and the key's owner.
  const isProtected = (key: string) => protectedEmails(key) || (Boolean(s.keyOwner) && key === s.keyOwner);
  const options: PlanOptions = {
    roleOrder: SECODA_VOCABULARY.roles,
    adminRole: SECODA_VOCABULARY.adminRole,
    isProtected: protectedEmails,
    ...(s.keyOwner !== undefined ? { keyOwner: s.keyOwner } : {}),
    deleteHolds: s.deleteHolds,
    maxDeletes: s.maxDeletes,
    maxDeletePercent: s.maxDeletePercent,
    maxDemotions: s.maxDemotions,
    maxDemotionPercent: s.maxDemotionPercent,
  };
  const desired = orgUsersToMembers(s.org, { roleMap, defaultRole: s.defaultRole, roleOrder: SECODA_VOCABULARY.roles });
  const current = secodaUsersToMembers(s.secoda);
  return { isProtected, options, desired, current, plan: computePlan(desired, current, options) };
}

/** The target after the given actions (a model of what the apply does). */
function applyActions(current: readonly Member[], actions: readonly PlanAction[]): Member[] {
  const state = new Map(current.map((m) => [m.id!, { ...m }]));
  let n = 0;
  for (const a of actions) {
    if (a.type === 'delete') state.delete(a.id!);
    else if (a.type === 'update_role') state.get(a.id!)!.role = a.to!;
    else state.set(`new${n++}`, { key: a.key, email: a.email, name: a.name, role: a.to!, id: `new${n}`, pending: true });
  }
  return [...state.values()];
}

/**
 * Accounts (by id) that can administer the workspace: judged from the raw
 * Secoda records, not from the normaliser's verdicts, with roles as the
 * actions left them. Invitees are pending and never count.
 */
function activeAdmins(raw: readonly SecodaUser[], ms: readonly Member[]): number {
  const person = new Map(raw.map((u) => [u.id, !u.pending && !u.disabled && !u.is_service_account]));
  return new Set(ms.filter((m) => person.get(m.id!) === true && m.role === 'admin').map((m) => m.id)).size;
}
const planned = (p: Plan) => p.actions.filter((a) => a.status === 'planned');
const withheld = (p: Plan) => p.actions.filter((a) => a.status === 'withheld');
const sig = (a: PlanAction) => `${a.type} ${a.key} ${a.to ?? ''}`;

/** key -> role of the target members the sync manages (the keys it leaves alone excluded). */
function managed(ms: readonly Member[], leaveAlone: Set<string>, isProtected: (k: string) => boolean): Map<string, string | null> {
  return new Map(ms.filter((m) => !m.exclusion && !isProtected(m.key) && !leaveAlone.has(m.key)).map((m) => [m.key, m.role]));
}

const RUNS = 4000;

describe('computePlan properties', () => {
  it('applying the planned actions yields the desired state for every managed member not held back', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { desired, current, plan, isProtected } = setup(s);
        // Keys the sync leaves alone: out of the sync on the source side, or unmanaged on the target side.
        const leaveAlone = new Set([
          ...desired.filter((d) => d.exclusion || isProtected(d.key)).map((d) => d.key),
          ...current.filter((c) => c.exclusion || isProtected(c.key)).map((c) => c.key),
        ]);
        const expected = new Map(desired.filter((d) => !leaveAlone.has(d.key)).map((d) => [d.key, d.role]));
        const after = managed(applyActions(current, planned(plan)), leaveAlone, isProtected);
        const held = new Set(withheld(plan).map((a) => a.key));
        // One expect per scenario, naming every member that ended up wrong (an expect per member is most of the cost).
        const wrong = [...new Set([...expected.keys(), ...after.keys()])]
          .filter((key) => !held.has(key) && after.get(key) !== expected.get(key))
          .map((key) => ({ key, after: after.get(key), expected: expected.get(key) }));
        expect(wrong).toEqual([]);
        if (plan.holds.length === 0) expect(withheld(plan)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('planning again after the apply finds nothing new (only what was held back)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { desired, current, plan, options } = setup(s);
        const again = computePlan(desired, applyActions(current, planned(plan)), options);
        const heldBack = new Set(withheld(plan).map(sig));
        expect(again.actions.map(sig).filter((x) => !heldBack.has(x))).toEqual([]);
        if (plan.holds.length === 0) {
          expect(again.actions).toEqual([]);
          expect(again.holds).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('excluded and protected members never appear in an action; each member at most once; revoke before grant', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { desired, current, plan, isProtected } = setup(s);
        const byId = new Map(current.map((c) => [c.id!, c]));
        const presentKeys = new Set(current.map((c) => c.key));
        const sourceOut = new Set(desired.filter((d) => d.exclusion).map((d) => d.key));
        const wrong = plan.actions.flatMap((a) => {
          const why: string[] = [];
          if (isProtected(a.key)) why.push('protected');
          if (sourceOut.has(a.key)) why.push('excluded in the org');
          if (a.type === 'invite') {
            if (presentKeys.has(a.key)) why.push('invited while present');
            if (!a.to) why.push('invited without a role');
          } else {
            const c = byId.get(a.id!);
            if (!c) why.push('no such Secoda member');
            else if (c.exclusion) why.push(`excluded in Secoda (${c.exclusion})`);
            else if (c.key !== a.key) why.push(`id of ${c.key}`);
          }
          return why.map((w) => `${a.type} ${a.key}: ${w}`);
        });
        expect(wrong).toEqual([]);
        const keys = plan.actions.map((a) => a.key);
        expect(new Set(keys).size).toBe(keys.length);
        const rank = (a: PlanAction) => (a.type === 'delete' ? 0 : a.type === 'update_role' ? (a.direction === 'down' ? 1 : 2) : 3);
        const ranks = plan.actions.map(rank);
        expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
        // What is skipped is reported; nothing is both skipped and acted on.
        const skipped = new Set(plan.skipped.map((x) => memberKey(x.email.replace(/ \(Secoda id [^)]*\)$/, ''))));
        expect(plan.actions.map((a) => a.key).filter((k) => skipped.has(k))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('never leaves zero active admins where there was one (deletes and downgrades alone, and the whole plan)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { current, plan } = setup(s);
        if (activeAdmins(s.secoda, current) === 0) return;
        const revoking = planned(plan).filter((a) => a.type === 'delete' || (a.type === 'update_role' && a.direction === 'down'));
        expect(activeAdmins(s.secoda, applyActions(current, revoking))).toBeGreaterThanOrEqual(1);
        expect(activeAdmins(s.secoda, applyActions(current, planned(plan)))).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('the mass-delete guard and delete holds withhold every delete and nothing else', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan } = setup(s);
        const deletes = plan.actions.filter((a) => a.type === 'delete');
        const held = deletes.filter((a) => a.status === 'withheld');
        const guardHolds = plan.holds.filter((h) => h.kind !== 'last_admin' && h.kind !== 'mass_demotion');
        if (guardHolds.length > 0) expect(held).toEqual(deletes);
        if (deletes.length > 0 && s.deleteHolds.length > 0) expect(guardHolds.length).toBeGreaterThan(0);
        if (deletes.length > s.maxDeletes) expect(held).toEqual(deletes);
        // Only deletes and downgrades are ever withheld.
        expect(withheld(plan).filter((a) => !(a.type === 'delete' || (a.type === 'update_role' && a.direction === 'down')))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('the mass-demotion guard withholds every downgrade and nothing else; without it, at most the last admin\'s', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { plan } = setup(s);
        const downgrades = plan.actions.filter((a) => a.type === 'update_role' && a.direction === 'down');
        const demotionHold = plan.holds.some((h) => h.kind === 'mass_demotion');
        const heldDowngrades = downgrades.filter((a) => a.status === 'withheld');
        if (downgrades.length > s.maxDemotions) expect(demotionHold).toBe(true);
        if (demotionHold) expect(heldDowngrades).toEqual(downgrades);
        else expect(heldDowngrades.length).toBeLessThanOrEqual(1);
        // Deletes are the other guard's business: no demotion hold without a downgrade.
        if (downgrades.length === 0) expect(demotionHold).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('accounts outside the known roles, without email, or sharing an email are never acted on, and their email is never invited', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { current, plan } = setup(s);
        const untouchable = current.filter((c) => c.exclusion === 'unknown_role' || c.exclusion === 'no_email' || c.exclusion === 'duplicate');
        const ids = new Set(untouchable.map((c) => c.id));
        const keys = new Set(untouchable.map((c) => c.key));
        expect(plan.actions.filter((a) => (a.type === 'invite' ? keys.has(a.key) : ids.has(a.id)))).toEqual([]);
        // Each of them is reported on its own line.
        const reasons = plan.skipped.map((x) => x.kind);
        expect(reasons.filter((r) => r === 'duplicate')).toHaveLength(current.filter((c) => c.exclusion === 'duplicate').length);
        expect(reasons.filter((r) => r === 'no_email')).toHaveLength(current.filter((c) => c.exclusion === 'no_email').length);
        const byId = new Map(s.secoda.map((u) => [u.id, u]));
        const misread = current.filter((c) => {
          const raw = byId.get(c.id!)!;
          if (!raw.email.trim()) return c.exclusion !== 'no_email';
          return current.filter((o) => o.key === c.key).length > 1 && c.exclusion !== 'duplicate';
        });
        expect(misread).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('a confirming read that adds nothing (the same records, no new hold) leaves the plan as the first read made it — which is why reconcile keeps it', () => {
    const groupMap = parseGroupMap('developer:Engineering,analyst:Analysts,admin:Engineering', ['admin', 'developer', 'analyst'])!;
    const readOf = (users: OrgUser[], deleteHolds: string[]): SourceRead => ({ users, deleteHolds, invalid: [], pulls: 1, pages: 2, notes: [] });
    fc.assert(
      fc.property(scenario, fc.boolean(), (s, withGroups) => {
        const { options, current } = setup(s);
        const first = readOf(s.org, [...s.deleteHolds]);
        // A copy, as a second pull of an unchanged org would bring.
        const again = readOf(s.org.map((u) => ({ ...u, roles: [...u.roles] })), [...s.deleteHolds]);
        expect(addsNothing(first, again)).toBe(true);
        const merged = mergeReads(first, again);
        const norm = { roleMap, defaultRole: s.defaultRole, roleOrder: SECODA_VOCABULARY.roles, ...(withGroups ? { groupMap } : {}) };
        const alone = orgUsersToMembers(first.users, norm);
        expect(orgUsersToMembers(merged.users, norm)).toEqual(alone);
        expect(computePlan(orgUsersToMembers(merged.users, norm), current, { ...options, deleteHolds: merged.deleteHolds }))
          .toEqual(computePlan(alone, current, options));
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it('a confirming read that differs in any record, in order, or with a new hold is planned again', () => {
    const readOf = (users: OrgUser[], deleteHolds: string[] = []): SourceRead => ({ users, deleteHolds, invalid: [], pulls: 1, pages: 2, notes: [] });
    const a: OrgUser = { id: 'o1', email: 'ann@acme.com', name: 'Ann', roles: ['developer'] };
    const b: OrgUser = { id: 'o2', email: 'bob@acme.com', name: 'Bob', roles: ['analyst', 'developer'] };
    const first = readOf([a, b]);
    expect(addsNothing(first, readOf([a, { ...b }]))).toBe(true);
    for (const changed of [
      readOf([a]), readOf([b, a]), readOf([a, b, a]),
      readOf([a, { ...b, id: 'o3' }]), readOf([a, { ...b, email: 'Bob@acme.com' }]), readOf([a, { ...b, name: 'Robert' }]),
      readOf([a, { ...b, roles: ['analyst'] }]), readOf([a, { ...b, roles: ['developer', 'analyst'] }]),
      readOf([a, b], ['source pull inconsistent twice']),
    ]) expect(addsNothing(first, changed), JSON.stringify(changed)).toBe(false);
  });
});
