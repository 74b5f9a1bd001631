/**
 * Convergence with GROUP_MAP and SYNC_NAMES, end to end (the CLI's main()
 * against both simulators and a real database), over random organizations,
 * workspaces, groups and retryable faults — the groups' counterpart of
 * convergence.test.ts:
 * - after at most three runs every mapped group holds exactly the managed
 *   members whose org roles map to it, plus every member it held that the
 *   sync does not manage (never removed); an unmapped group is untouched;
 * - with SYNC_NAMES, managed members carry the org's name (whitespace-collapsed);
 * - a run on the converged pair plans nothing and writes nothing — also when
 *   Secoda hides pending members from groups (the memory of what was sent);
 * - a dry run never writes.
 * With `hidePending`, a pending member is seeded into a mapped group only
 * where the sync wants them: a member Secoda does not list can be neither
 * kept in a full-list write nor removed without one (see docs/operations.md;
 * seeds -640201398 and -1703521693 found the second).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberKey, type SourceUser as OrgUser } from '../../src/core/member.js';
import { orgUsersToMembers, protectedMatcher } from '../../src/core/normalise.js';
import { DEFAULT_ROLE_MAP } from '../../src/config/variables.js';
import { parseRoleMap, SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import { parseGroupMap } from '../../src/config/parse-groups.js';
import type { FaultSpec, SecodaSimUser } from '../../tools/simulators/index.js';
import { startHarness, type CliResult, type Harness } from '../helpers/harness.js';
import { warpClock } from '../http/warp-clock.js';

const roleMap = parseRoleMap(DEFAULT_ROLE_MAP);
const GROUP_MAP = 'developer:Engineering,analyst:Analysts,admin:Engineering';
const groupMap = parseGroupMap(GROUP_MAP, ['admin', 'developer', 'analyst'])!;
const MAPPED = ['Engineering', 'Analysts'];
const RETRY_LIMIT = 2;
const MAX_FAULT_USES = 2 * (RETRY_LIMIT + 1) - 1;
const LOCALS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'];
const emailOf = fc.constantFrom(...LOCALS).map((l) => `${l}@acme.com`);

const scenario = fc.record({
  org: fc.array(fc.record({
    email: emailOf,
    name: fc.constantFrom('Ada Lovelace', 'Grace  Brewster Hopper', '', 'Linus'),
    roles: fc.subarray(['admin', 'developer', 'analyst', 'intern']),
  }), { maxLength: 8 }),
  secoda: fc.uniqueArray(fc.record({
    email: emailOf,
    role: fc.constantFrom('admin', 'editor', 'viewer', 'viewer', 'guest'),
    pending: fc.constantFrom(false, false, true),
    is_service_account: fc.constantFrom(false, false, false, true),
    name: fc.constantFrom(['Ada', 'Lovelace'], ['Grace Brewster', 'Hopper'], ['X', 'Y']),
  }), { selector: (u) => u.email, maxLength: 7 }),
  /** Per mapped group: absent (created by the sync) or its members (indexes into secoda). */
  groups: fc.tuple(fc.option(fc.subarray([0, 1, 2, 3, 4, 5, 6]), { nil: undefined }), fc.option(fc.subarray([0, 1, 2, 3, 4, 5, 6]), { nil: undefined })),
  other: fc.subarray([0, 1, 2, 3, 4, 5, 6]),
  hidePending: fc.boolean(),
  defaultRole: fc.constantFrom('viewer', 'none'),
  protect: fc.constantFrom([] as string[], ['eve@acme.com']),
  faults: fc.array(fc.record({
    method: fc.constantFrom('GET', 'POST', 'PATCH'),
    path: fc.constantFrom('/api/v1/auth/group', '/api/v1/user'),
    kind: fc.constantFrom('status', 'reset', 'lose-response', '429'),
    times: fc.integer({ min: 1, max: 2 }),
  }), { maxLength: 3 }).map((fs) => {
    let left = MAX_FAULT_USES;
    return fs.flatMap((f) => {
      const times = Math.min(f.times, left);
      left -= times;
      return times > 0 ? [{ ...f, times }] : [];
    });
  }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock: warpClock() });
});
afterAll(async () => {
  await h?.close();
});

function toFault(f: Scenario['faults'][number]): FaultSpec {
  const base = { method: f.method, times: f.times, path: f.path };
  if (f.kind === '429') return { ...base, kind: 'status', status: 429, retryAfter: '0' };
  if (f.kind === 'status') return { ...base, kind: 'status', status: 503 };
  return { ...base, kind: f.kind as 'reset' | 'lose-response' };
}

const unmanagedTarget = (u: SecodaSimUser, isProtected: (k: string) => boolean) =>
  u.is_service_account || u.disabled || u.role === 'guest' || isProtected(memberKey(u.email));

/** The org's members the sync manages, by key, with the role and groups it gives them. */
function wantedMembers(s: Scenario) {
  const isProtected = protectedMatcher(s.protect);
  const desired = orgUsersToMembers(s.org.map((u, i) => ({ id: `o${i}`, email: u.email, name: u.name, roles: u.roles })), {
    roleMap, defaultRole: s.defaultRole === 'none' ? null : 'viewer', roleOrder: SECODA_VOCABULARY.roles, groupMap,
  });
  return new Map(desired.filter((d) => !d.exclusion && !isProtected(d.key)).map((d) => [d.key, d]));
}

function load(s: Scenario) {
  for (const sim of [h.org, h.secoda]) {
    sim.clear();
    sim.clearFaults();
    sim.resetLog();
    sim.resetRateLimits();
  }
  h.secoda.setHidePendingInGroups(s.hidePending);
  h.org.seed(s.org.map((u, i): OrgUser => ({ id: `o${i}`, ...u })));
  const users = h.secoda.seed(s.secoda.map((u, i) => ({
    id: `s${i}`, email: u.email, role: u.role, pending: u.pending, is_service_account: u.is_service_account, first_name: u.name[0], last_name: u.name[1],
  })));
  const isProtected = protectedMatcher(s.protect);
  const wanted = wantedMembers(s);
  // A pending member Secoda hides is invisible to the sync: it cannot keep them in a full-list write, nor remove them
  // without one. Seeded into a group only where the sync itself would put them.
  const seedable = (i: number, group: string) => {
    const u = users[i];
    if (u === undefined) return false;
    if (!s.hidePending || !u.pending) return true;
    return !unmanagedTarget(u, isProtected) && (wanted.get(memberKey(u.email))?.groups ?? []).includes(group);
  };
  const ids = (idx: readonly number[], group: string) => idx.filter((i) => seedable(i, group)).map((i) => users[i]!.id);
  h.secoda.seedGroups([
    ...s.groups.flatMap((g, i) => (g === undefined ? [] : [{ name: MAPPED[i]!, users: ids(g, MAPPED[i]!) }])),
    { name: 'Other', users: ids(s.other, 'Other') },
  ]);
  for (const f of s.faults) h.secoda.fault(toFault(f));
}

const nonGet = () => [...h.org.requests, ...h.secoda.requests].filter((r) => r.method !== 'GET');
const collapse = (t: string) => t.trim().replace(/\s+/g, ' ');

describe('convergence with GROUP_MAP and SYNC_NAMES', () => {
  it('mapped groups converge to the managed members mapped to them plus the members the sync leaves alone; then nothing is planned', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        load(s);
        const context = JSON.stringify(s);
        const env = {
          GROUP_MAP, SYNC_NAMES: 'true', DEFAULT_ROLE: s.defaultRole, PROTECTED_EMAILS: s.protect.join(','),
          MAX_DELETES: '1000', MAX_DELETE_PERCENT: '100', MAX_DEMOTIONS: '1000', MAX_DEMOTION_PERCENT: '100',
          RETRY_LIMIT: String(RETRY_LIMIT), MAX_CONCURRENCY: '2', LOG_LEVEL: 'warn',
        };
        const isProtected = protectedMatcher(s.protect);
        const wanted = wantedMembers(s);
        const groupsBefore = h.secoda.groups();
        const other = h.secoda.groupByName('Other');

        // Secoda was just seeded anew behind the sync's back: the dry run reads it in full (the snapshot of the last
        // case is stale); the runs after it plan against that snapshot, as incremental runs do.
        const dry = await h.run(['reconcile', '--dry-run', '--refresh'], env);
        expect([0, 1, 3], context + dry.stderr).toContain(dry.code);
        expect(nonGet(), context).toEqual([]);

        let last: CliResult | undefined;
        for (let run = 1; run <= 3; run++) {
          last = await h.run(['reconcile'], env);
          expect([0, 1, 3], context + last.stderr).toContain(last.code);
          const report = last.json();
          if (!report.error && report.actions.every((a: any) => a.status === 'withheld')) break;
        }
        expect(last!.json().error, context).toBeUndefined();

        // Who the sync manages now, and what each mapped group must hold.
        const users = h.secoda.users();
        const managedWanted = new Map(users
          .filter((u) => !unmanagedTarget(u, isProtected) && wanted.has(memberKey(u.email)))
          .map((u) => [u.id, wanted.get(memberKey(u.email))!]));
        for (const name of MAPPED) {
          const group = h.secoda.groupByName(name);
          const shouldHold = [...managedWanted].filter(([, d]) => d.groups?.includes(name)).map(([id]) => id);
          // Members the sync does not manage that the group held stay (leavers are deleted, and leave with their account).
          const before = groupsBefore.find((g) => g.name === name)?.users ?? [];
          const kept = before.filter((id) => !managedWanted.has(id) && users.some((u) => u.id === id));
          if (shouldHold.length === 0 && kept.length === 0 && !group) continue;
          expect(new Set(group?.users ?? []), `${name} ${context}`).toEqual(new Set([...shouldHold, ...kept]));
        }
        // The unmapped group is never written (members deleted as leavers leave it with their account).
        expect(h.secoda.groupByName('Other'), context).toEqual({ ...other, users: other!.users!.filter((id) => users.some((u) => u.id === id)) });
        expect(nonGet().filter((r) => r.path.includes(other!.id)), context).toEqual([]);
        // SYNC_NAMES: managed members carry the org's name, unless it is empty.
        for (const u of users) {
          const d = managedWanted.get(u.id);
          if (d && collapse(d.name)) expect(collapse(`${u.first_name} ${u.last_name}`), context).toBe(collapse(d.name));
        }

        // Converged: nothing planned, nothing written.
        h.org.clearFaults();
        h.secoda.clearFaults();
        h.org.resetLog();
        h.secoda.resetLog();
        const again = await h.run(['reconcile'], env);
        expect(again.json().actions.filter((a: any) => a.status !== 'withheld'), context).toEqual([]);
        expect(nonGet(), context).toEqual([]);
      }),
      { numRuns: 8, endOnFailure: true },
    );
  }, 300_000);
});
