/**
 * Incremental runs with changes made behind the sync's back, end to end (the
 * CLI's main() against both simulators and a real database), over random
 * organizations, workspaces and hand changes in Secoda (roles, removals,
 * disabling, service accounts, new accounts) made to the very people the
 * organization's changes give the sync writes to plan:
 * - a run reads Secoda's list only when it must (first run, --refresh, after
 *   a run that did not finish well); otherwise no page of it;
 * - every PATCH/DELETE of a run planned from the snapshot follows a GET of
 *   that user's live record in the same run;
 * - no user outside the sync (as it is now, after the hand changes) is ever
 *   touched, nobody protected is invited, the last active admin is never
 *   removed or demoted — whatever the stale snapshot said;
 * - incremental runs settle; one `--refresh` later the managed users equal
 *   the mapped source, and a further (incremental) run sends no request to
 *   Secoda at all.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberKey, type SourceUser as OrgUser } from '../../src/core/member.js';
import { orgUsersToMembers, protectedMatcher } from '../../src/core/normalise.js';
import { DEFAULT_ROLE_MAP } from '../../src/config/variables.js';
import { parseRoleMap, SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import type { SecodaSimUser } from '../../tools/simulators/index.js';
import { startHarness, type CliResult, type Harness } from '../helpers/harness.js';
import { warpClock } from '../http/warp-clock.js';

const roleMap = parseRoleMap(DEFAULT_ROLE_MAP);
const LOCALS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'];
const DOMAINS = ['acme.com', 'board.org'];
const emailOf = fc.tuple(fc.constantFrom(...LOCALS), fc.constantFrom(...DOMAINS)).map(([l, d]) => `${l}@${d}`);
const ORG_ROLES = fc.subarray(['admin', 'developer', 'analyst']);

const scenario = fc.record({
  org: fc.uniqueArray(fc.record({ email: emailOf, roles: ORG_ROLES }), { selector: (u) => u.email, maxLength: 8 }),
  secoda: fc.uniqueArray(
    fc.record({
      email: emailOf,
      role: fc.constantFrom('admin', 'admin', 'editor', 'viewer', 'guest'),
      pending: fc.constantFrom(false, false, true),
    }),
    { selector: (u) => u.email, maxLength: 8 },
  ),
  protect: fc.constantFrom([] as string[], ['eve@acme.com'], ['@board.org']),
  /**
   * After the sync converged, changes to one person on both sides at once (`at` picks a Secoda user, modulo),
   * so that writes planned from the snapshot meet users changed behind the sync's back: the org side makes
   * the next run plan a write, the Secoda side is the hand change the snapshot does not know.
   */
  changes: fc.array(
    fc.record({
      at: fc.nat(),
      org: fc.oneof(fc.record({ kind: fc.constant('roles' as const), roles: ORG_ROLES }), fc.record({ kind: fc.constantFrom('remove' as const, 'none' as const) })),
      secoda: fc.oneof(
        fc.record({ kind: fc.constant('role' as const), role: fc.constantFrom('admin', 'editor', 'viewer', 'guest') }),
        fc.record({ kind: fc.constantFrom('remove' as const, 'disable' as const, 'service' as const, 'none' as const) }),
      ),
    }),
    { maxLength: 4 },
  ),
  /** New accounts: made in Secoda by hand, and new people in the org (an email may be both: a hand invite). */
  secodaAdds: fc.array(fc.record({ email: emailOf, role: fc.constantFrom('admin', 'editor', 'viewer') }), { maxLength: 2 }),
  orgAdds: fc.array(fc.record({ email: emailOf, roles: ORG_ROLES }), { maxLength: 2 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock: warpClock() });
});
afterAll(async () => {
  await h?.close();
});

const env = (s: Scenario) => ({
  PROTECTED_EMAILS: s.protect.join(','), MAX_DELETES: '1000', MAX_DELETE_PERCENT: '100', MAX_DEMOTIONS: '1000', MAX_DEMOTION_PERCENT: '100',
  MAX_CONCURRENCY: '2', LOG_LEVEL: 'warn',
});

function handChanges(s: Scenario): void {
  for (const c of s.changes) {
    const users = h.secoda.users();
    if (users.length === 0) break;
    const u = users[c.at % users.length]!;
    const o = h.org.byEmail(u.email);
    if (c.org.kind === 'roles') {
      if (o) h.org.remove(o.email);
      h.org.seed([{ ...(o ?? { email: u.email }), roles: c.org.roles }]);
    } else if (c.org.kind === 'remove' && o) h.org.remove(o.email);
    if (c.secoda.kind === 'remove') h.secoda.remove(u.id);
    else if (c.secoda.kind === 'role') h.secoda.update(u.id, { role: c.secoda.role });
    else if (c.secoda.kind !== 'none') h.secoda.update(u.id, c.secoda.kind === 'disable' ? { disabled: true } : { is_service_account: true });
  }
  for (const a of s.secodaAdds) if (!h.secoda.byEmail(a.email)) h.secoda.seed([{ email: a.email, role: a.role }]);
  for (const a of s.orgAdds) if (!h.org.byEmail(a.email)) h.org.seed([{ email: a.email, roles: a.roles }]);
}

/** What the sync must leave alone and what it must reach, from both sides as they are now. */
function expectations(s: Scenario) {
  const isProtected = protectedMatcher(s.protect);
  const org: OrgUser[] = h.org.users().map((u) => ({ id: u.id, email: u.email, name: u.name ?? '', roles: u.roles }));
  const desired = orgUsersToMembers(org, { roleMap, defaultRole: 'viewer', roleOrder: SECODA_VOCABULARY.roles });
  const unmanaged = (u: SecodaSimUser) => u.is_service_account || u.disabled || u.role === 'guest' || isProtected(memberKey(u.email));
  const leaveAlone = new Set([...desired.filter((d) => d.exclusion || isProtected(d.key)).map((d) => d.key), ...h.secoda.users().filter(unmanaged).map((u) => memberKey(u.email))]);
  const expected = Object.fromEntries(desired.filter((d) => !leaveAlone.has(d.key)).map((d) => [d.key, d.role]));
  return { isProtected, leaveAlone, expected, untouchable: h.secoda.users().filter((u) => leaveAlone.has(memberKey(u.email))), emptySource: org.length === 0 };
}

const managedNow = (leaveAlone: Set<string>) =>
  Object.fromEntries(h.secoda.users().filter((u) => !leaveAlone.has(memberKey(u.email))).map((u) => [memberKey(u.email), u.role]));
const activeAdmins = () => h.secoda.users().filter((u) => u.role === 'admin' && !u.pending && !u.disabled && !u.is_service_account).length;
const listPages = () => h.secoda.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/user/').length;
const settled = (r: CliResult) => !r.json().error && r.json().actions.every((a: any) => a.status === 'withheld' || a.status === 'superseded');

/** Runs until one has nothing left to do (at most `max`), checking the invariants of every run. */
async function runUntilSettled(s: Scenario, first: string[], max: number, check: (r: CliResult, previous: CliResult | undefined) => void): Promise<CliResult> {
  let last: CliResult | undefined;
  for (let run = 0; run < max; run++) {
    h.secoda.resetLog();
    const r = await h.run(run === 0 ? first : ['reconcile'], env(s));
    expect([0, 1, 3], r.stderr).toContain(r.code);
    check(r, last);
    last = r;
    if (settled(r)) break;
  }
  return last!;
}

describe('incremental runs', () => {
  it("converge with changes made behind the sync's back, confirming every write live and never touching what is now outside the sync", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        for (const sim of [h.org, h.secoda]) {
          sim.clear();
          sim.resetLog();
        }
        h.org.seed(s.org.map((u, i) => ({ id: `o${i}`, email: u.email, name: `N${i}`, roles: u.roles })));
        h.secoda.seed(s.secoda.map((u, i) => ({ id: `s${i}`, email: u.email, role: u.role, pending: u.pending })));
        const context = JSON.stringify(s);
        // Converge first (a full read: the database still holds the previous scenario's snapshot).
        const base = await runUntilSettled(s, ['reconcile', '--refresh'], 3, () => {});
        expect(base.json().error, context).toBeUndefined();

        handChanges(s);
        const { leaveAlone, expected, untouchable, isProtected, emptySource } = expectations(s);
        const before = h.secoda.users();
        const hadAdmin = activeAdmins() > 0;
        const managedBefore = managedNow(leaveAlone);

        const invariants = (r: CliResult, previous: CliResult | undefined) => {
          const report = r.json();
          const prevStatus = (previous ?? base).json().status;
          // The list is read only when the run before did not finish well.
          const mustReadFull = !['succeeded', 'held'].includes(prevStatus);
          if (mustReadFull) expect(report.secodaRead?.mode, context + r.stderr).toBe('full');
          // An empty snapshot is never planned against (every member would look new).
          else if (report.secodaRead?.mode !== 'snapshot') expect(report.secodaRead?.reason, context).toBe('the snapshot is empty');
          if (report.secodaRead?.mode === 'snapshot') {
            expect(listPages(), context).toBe(0);
            // Every write on an existing user follows a live read of that user in this run.
            const seen = h.secoda.requests.map((q) => `${q.method} ${q.path}`);
            seen.forEach((q, i) => {
              const [method, path] = q.split(' ');
              if (method === 'PATCH' || method === 'DELETE') expect(seen.slice(0, i), context).toContain(`GET ${path}`);
            });
          }
          for (const u of untouchable) expect(h.secoda.byId(u.id), context).toEqual(u);
          expect(h.secoda.users().filter((u) => isProtected(memberKey(u.email)) && !before.some((b) => b.id === u.id)), context).toEqual([]);
          if (hadAdmin) expect(activeAdmins(), context).toBeGreaterThanOrEqual(1);
        };
        await runUntilSettled(s, ['reconcile'], 4, invariants);

        // At the latest one refresh later, every hand change is corrected.
        const refreshed = await runUntilSettled(s, ['reconcile', '--refresh'], 3, (r, previous) => {
          if (previous) invariants(r, previous);
          else expect(r.json().secodaRead.mode, context).toBe('full');
        });
        expect(refreshed.json().error, context).toBeUndefined();
        const kept = refreshed.json().actions.filter((a: any) => a.status === 'withheld').map((a: any) => memberKey(a.email));
        const now = managedNow(leaveAlone);
        const want = emptySource ? { ...managedBefore } : { ...expected };
        for (const k of kept) {
          delete now[k];
          delete want[k];
        }
        expect(now, context).toEqual(want);

        // Converged: an incremental run sends Secoda nothing at all.
        h.secoda.resetLog();
        const quiet = await h.run(['reconcile'], env(s));
        if (h.secoda.users().length > 0) {
          expect(quiet.json().secodaRead.mode, context).toBe('snapshot');
          expect(h.secoda.requests, context).toEqual([]);
        } else expect(quiet.json().secodaRead.reason, context).toBe('the snapshot is empty');
      }),
      {
        numRuns: 10, endOnFailure: true,
        examples: [[{
          // Found by this test: fay is disabled by hand and her demotion is planned on the snapshot; she is read live
          // first as "another admin" of an earlier delete, and her own confirmation must still see the change.
          org: [],
          secoda: [
            { email: 'cy@board.org', role: 'admin', pending: true }, { email: 'ann@board.org', role: 'admin', pending: false },
            { email: 'bob@acme.com', role: 'admin', pending: true }, { email: 'dee@board.org', role: 'admin', pending: false },
            { email: 'fay@board.org', role: 'admin', pending: false }, { email: 'dee@acme.com', role: 'admin', pending: false },
          ],
          protect: ['eve@acme.com'],
          changes: [{ at: 641170456, org: { kind: 'roles', roles: ['developer'] }, secoda: { kind: 'disable' } }],
          secodaAdds: [{ email: 'dee@acme.com', role: 'editor' }, { email: 'bob@acme.com', role: 'admin' }],
          orgAdds: [],
        } as Scenario], [{
          // Found by this test too: admins removed from the org and admins changed by hand in Secoda; revokes
          // confirmed at once each saw the other admin still there, and the workspace was left without one.
          org: [
            { email: 'ann@board.org', roles: ['admin', 'developer', 'analyst'] }, { email: 'ann@acme.com', roles: ['analyst'] },
            { email: 'bob@acme.com', roles: ['admin', 'developer'] }, { email: 'dee@board.org', roles: ['admin', 'analyst'] },
            { email: 'eve@board.org', roles: [] }, { email: 'eve@acme.com', roles: [] }, { email: 'cy@board.org', roles: [] },
          ],
          secoda: [
            { email: 'cy@acme.com', role: 'editor', pending: true }, { email: 'eve@acme.com', role: 'admin', pending: false },
            { email: 'ann@board.org', role: 'guest', pending: false }, { email: 'cy@board.org', role: 'admin', pending: false },
            { email: 'bob@acme.com', role: 'viewer', pending: false }, { email: 'dee@acme.com', role: 'guest', pending: false },
            { email: 'fay@board.org', role: 'admin', pending: true }, { email: 'dee@board.org', role: 'guest', pending: false },
          ],
          protect: [],
          changes: [
            { at: 498681344, org: { kind: 'remove' }, secoda: { kind: 'role', role: 'admin' } },
            { at: 903974688, org: { kind: 'remove' }, secoda: { kind: 'none' } },
            { at: 1782531571, org: { kind: 'remove' }, secoda: { kind: 'role', role: 'guest' } },
          ],
          secodaAdds: [{ email: 'bob@acme.com', role: 'editor' }],
          orgAdds: [{ email: 'fay@acme.com', roles: ['analyst'] }],
        } as Scenario]],
      },
    );
  }, 480_000);
});
