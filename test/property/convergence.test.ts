/**
 * Convergence under faults, end to end (the CLI's main() against both
 * simulators and a real database), over random organizations, Secoda
 * workspaces and fault schedules:
 * - after at most three runs the managed Secoda users equal the mapped source
 *   (emails case-insensitively, roles);
 * - a run on a converged pair plans nothing and writes nothing;
 * - no unmanaged or protected user is ever touched (records compared before/after);
 * - the last active admin is never removed or demoted;
 * - a dry run never writes.
 * Faults are retryable kinds only (5xx, reset, 429, lost response), at most
 * 2 * (RETRY_LIMIT + 1) - 1 uses in all, so at most one request can fail
 * outright (one run). Three runs then suffice: the one a fault spoiled, the
 * one that applies the plan, and — when the last-admin guard held an admin
 * back only because the admins replacing it were upgraded in that same run
 * (grants come after revokes) — the one that finishes the job.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberKey, type SourceUser as OrgUser } from '../../src/core/member.js';
import { orgUsersToMembers, protectedMatcher } from '../../src/core/normalise.js';
import { DEFAULT_ROLE_MAP } from '../../src/config/variables.js';
import { parseRoleMap, SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import type { FaultSpec, SecodaSimUser } from '../../tools/simulators/index.js';
import { startHarness, type CliResult, type Harness } from '../helpers/harness.js';
import { warpClock } from '../http/warp-clock.js';

const roleMap = parseRoleMap(DEFAULT_ROLE_MAP);
const RETRY_LIMIT = 2;
const MAX_FAULT_USES = 2 * (RETRY_LIMIT + 1) - 1;
const LOCALS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
const DOMAINS = ['acme.com', 'board.org'];

const caseVariant = (e: string, how: number) => (how === 0 ? e : how === 1 ? e.toUpperCase() : e[0]!.toUpperCase() + e.slice(1));
const emailOf = fc.tuple(fc.constantFrom(...LOCALS), fc.constantFrom(...DOMAINS)).map(([l, d]) => `${l}@${d}`);

const orgUsers = fc
  .array(
    fc.record({
      email: emailOf,
      how: fc.integer({ min: 0, max: 2 }),
      pad: fc.boolean(),
      name: fc.constantFrom('Ada Lovelace', 'Grace Brewster Hopper', '', 'Linus'),
      roles: fc.subarray(['admin', 'developer', 'analyst', 'intern']),
    }),
    { maxLength: 10 },
  )
  .map((us) => us.map((u, i): OrgUser => {
    const e = caseVariant(u.email, u.how);
    return { id: `o${i}`, email: u.pad ? ` ${e} ` : e, name: u.name, roles: u.roles };
  }));

const secodaUsers = fc.uniqueArray(
  fc.record({
    email: emailOf,
    how: fc.integer({ min: 0, max: 2 }),
    role: fc.constantFrom('admin', 'admin', 'editor', 'viewer', 'viewer', 'guest'),
    pending: fc.constantFrom(false, false, true),
    is_service_account: fc.constantFrom(false, false, false, false, true),
    disabled: fc.constantFrom(false, false, false, false, true),
  }),
  { selector: (u) => u.email, maxLength: 10 },
);

const fault = fc.oneof(
  fc.record({ api: fc.constant('org' as const), method: fc.constant('GET'), kind: fc.constantFrom('status', 'reset', 'lose-response', '429'), times: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ api: fc.constant('secoda' as const), method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'), kind: fc.constantFrom('status', 'reset', 'lose-response', '429'), times: fc.integer({ min: 1, max: 2 }) }),
);

const scenario = fc.record({
  org: orgUsers,
  secoda: secodaUsers,
  defaultRole: fc.constantFrom('viewer', 'none'),
  protect: fc.oneof(fc.constant([] as string[]), fc.subarray(['eve@acme.com', 'HAL@board.org']), fc.constant(['@board.org'])),
  faults: fc.array(fault, { maxLength: 4 }).map((fs) => {
    // Cap the total uses (see the file comment).
    let left = MAX_FAULT_USES;
    return fs.flatMap((f) => {
      const times = Math.min(f.times, left);
      left -= times;
      return times > 0 ? [{ ...f, times }] : [];
    });
  }),
  status: fc.constantFrom(500, 502, 503),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

let h: Harness;
beforeAll(async () => {
  // Backoff and 429 pauses are skipped (their timing is test/faults/rate-limit's): the faults still happen.
  h = await startHarness({ clock: warpClock() });
});
afterAll(async () => {
  await h?.close();
});

function toFault(f: Scenario['faults'][number], status: number): FaultSpec {
  const base = { method: f.method, times: f.times, ...(f.api === 'org' ? { path: '/organization/users' } : {}) };
  if (f.kind === '429') return { ...base, kind: 'status', status: 429, retryAfter: '0' };
  if (f.kind === 'status') return { ...base, kind: 'status', status };
  return { ...base, kind: f.kind as 'reset' | 'lose-response' };
}

function load(s: Scenario) {
  for (const sim of [h.org, h.secoda]) {
    sim.clear();
    sim.clearFaults();
    sim.resetLog();
    sim.resetRateLimits();
  }
  h.org.seed(s.org);
  h.secoda.seed(s.secoda.map((u, i) => ({
    id: `s${i}`, email: caseVariant(u.email, u.how), role: u.role, pending: u.pending, is_service_account: u.is_service_account, disabled: u.disabled,
    first_name: 'F', last_name: `L${i}`,
  })));
  for (const f of s.faults) (f.api === 'org' ? h.org : h.secoda).fault(toFault(f, s.status));
}

function envOf(s: Scenario): Record<string, string> {
  return {
    DEFAULT_ROLE: s.defaultRole,
    PROTECTED_EMAILS: s.protect.join(','),
    MAX_DELETES: '1000',
    MAX_DELETE_PERCENT: '100',
    MAX_DEMOTIONS: '1000',
    MAX_DEMOTION_PERCENT: '100',
    RETRY_LIMIT: String(RETRY_LIMIT),
    MAX_CONCURRENCY: '2',
    LOG_LEVEL: 'warn',
  };
}

/** What the sync must leave alone, and what it must reach. */
function expectations(s: Scenario) {
  const isProtected = protectedMatcher(s.protect);
  const desired = orgUsersToMembers(s.org, { roleMap, defaultRole: s.defaultRole === 'none' ? null : 'viewer', roleOrder: SECODA_VOCABULARY.roles });
  const secoda = h.secoda.users();
  const unmanagedTarget = (u: SecodaSimUser) => u.is_service_account || u.disabled || u.role === 'guest' || isProtected(memberKey(u.email));
  const leaveAlone = new Set([
    ...desired.filter((d) => d.exclusion || isProtected(d.key)).map((d) => d.key),
    ...secoda.filter(unmanagedTarget).map((u) => memberKey(u.email)),
  ]);
  const expected = Object.fromEntries(desired.filter((d) => !leaveAlone.has(d.key)).map((d) => [d.key, d.role]));
  const untouchable = secoda.filter((u) => leaveAlone.has(memberKey(u.email)));
  return { isProtected, leaveAlone, expected, untouchable };
}

function managedNow(leaveAlone: Set<string>): Record<string, string> {
  return Object.fromEntries(h.secoda.users().filter((u) => !leaveAlone.has(memberKey(u.email))).map((u) => [memberKey(u.email), u.role]));
}

const activeAdmins = () => h.secoda.users().filter((u) => u.role === 'admin' && !u.pending && !u.disabled).length;
const nonGet = () => [...h.org.requests, ...h.secoda.requests].filter((r) => r.method !== 'GET');

/** The last-admin guard's doing: the key it kept (one at most), from a run's report. */
function guardKept(r: CliResult): string | undefined {
  const report = r.json();
  if (!report.holds?.some((x: string) => x.startsWith('last-admin guard'))) return undefined;
  const kept = report.actions.filter((a: any) => a.status === 'withheld');
  expect(kept).toHaveLength(1);
  return memberKey(kept[0].email);
}

function describeScenario(s: Scenario): string {
  return JSON.stringify({ ...s, org: s.org.map((u) => `${u.email}:${u.roles.join('+')}`), secoda: s.secoda.map((u) => `${u.email}:${u.role}${u.pending ? ':p' : ''}${u.is_service_account ? ':sa' : ''}${u.disabled ? ':off' : ''}`) });
}

describe('convergence under faults', () => {
  it('converges within three runs, then plans nothing; never touches unmanaged users or the last admin; dry runs never write', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        load(s);
        const env = envOf(s);
        const { leaveAlone, expected, untouchable, isProtected } = expectations(s);
        const before = h.secoda.users();
        const managedBefore = managedNow(leaveAlone);
        const hadAdmin = activeAdmins() > 0;
        // An empty source never deletes anyone (a rail): nothing managed may change.
        const emptySource = s.org.length === 0;
        const context = describeScenario(s);

        // A dry run, faults and all: reads only, nothing changes. It reads Secoda in full (--refresh: the
        // database still holds the previous scenario's snapshot); the runs after it plan from the snapshot
        // (SECODA_REFRESH, default 1h) unless a run fails — incremental runs under faults.
        const dry = await h.run(['reconcile', '--dry-run', '--refresh'], env);
        expect([0, 1, 3], context + dry.stderr).toContain(dry.code);
        expect(nonGet(), context).toEqual([]);
        expect(h.secoda.users(), context).toEqual(before);

        let last: CliResult | undefined;
        for (let run = 1; run <= 3; run++) {
          last = await h.run(['reconcile'], env);
          expect([0, 1, 3], context + last.stderr).toContain(last.code);
          // Unmanaged and protected records are exactly as they were, and nobody protected was invited.
          for (const u of untouchable) expect(h.secoda.byId(u.id), context).toEqual(u);
          expect(h.secoda.users().filter((u) => isProtected(memberKey(u.email)) && !before.some((b) => b.id === u.id)), context).toEqual([]);
          if (hadAdmin) expect(activeAdmins(), context).toBeGreaterThanOrEqual(1);
          // Done when a run finds nothing left to do (at most what the last-admin guard holds back).
          const report = last.json();
          if (!report.error && report.actions.every((a: any) => a.status === 'withheld')) break;
        }
        const report = last!.json();
        expect(report.error, context).toBeUndefined();

        // Converged: the managed users are the mapped source, except an admin the guard kept.
        const kept = guardKept(last!);
        const now = managedNow(leaveAlone);
        if (kept) {
          expect(now[kept], context).toBe('admin');
          delete now[kept];
        }
        const want = emptySource ? { ...managedBefore } : { ...expected };
        if (kept) delete want[kept];
        expect(now, context).toEqual(want);
        const holding = kept !== undefined || (emptySource && Object.keys(managedBefore).length > 0);
        const keys = h.secoda.users().map((u) => memberKey(u.email));
        expect(new Set(keys).size, context).toBe(keys.length);

        // A run on the converged pair plans nothing (but what the guard keeps holding) and writes nothing.
        h.org.clearFaults();
        h.secoda.clearFaults();
        h.org.resetLog();
        h.secoda.resetLog();
        const again = await h.run(['reconcile'], env);
        expect(again.code, context + again.stderr).toBe(holding ? 3 : 0);
        expect(again.json().actions.filter((a: any) => a.status !== 'withheld'), context).toEqual([]);
        expect(nonGet(), context).toEqual([]);
      }),
      { numRuns: 15, endOnFailure: true },
    );
  }, 300_000);

  it('the mass-delete guard: a run never deletes more than MAX_DELETES / MAX_DELETE_PERCENT allow; held deletes send no DELETE (exit 3)', async () => {
    const guardScenario = fc.record({
      stay: fc.integer({ min: 1, max: 8 }),
      leave: fc.integer({ min: 0, max: 8 }),
      maxDeletes: fc.integer({ min: 0, max: 6 }),
      maxPercent: fc.integer({ min: 0, max: 100 }),
      override: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(guardScenario, async (g) => {
        for (const sim of [h.org, h.secoda]) {
          sim.clear();
          sim.clearFaults();
          sim.resetLog();
        }
        const stay = Array.from({ length: g.stay }, (_, i) => `stay${i}@acme.com`);
        h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, ...stay.map((email) => ({ email, roles: ['analyst'] }))]);
        h.secoda.seed([
          { email: 'root@acme.com', role: 'admin' },
          ...stay.map((email) => ({ email, role: 'viewer' })),
          ...Array.from({ length: g.leave }, (_, i) => ({ email: `leave${i}@acme.com`, role: 'viewer' })),
        ]);
        const managed = 1 + g.stay + g.leave;
        // --refresh: each case reseeds Secoda, and the database still holds the previous case's snapshot.
        const args = ['reconcile', '--refresh', ...(g.override !== undefined ? ['--max-deletes', String(g.override)] : [])];
        const r = await h.run(args, { MAX_DELETES: String(g.maxDeletes), MAX_DELETE_PERCENT: String(g.maxPercent), LOG_LEVEL: 'warn' });
        const deletes = h.secoda.requests.filter((q) => q.method === 'DELETE').length;
        const context = JSON.stringify(g);
        // The percent cap, rounded up to a whole user: leave <= ceil(P% of managed), in integers.
        const withinPercent = (g.leave - 1) * 100 < g.maxPercent * managed;
        const allowed = g.override !== undefined ? g.leave <= g.override : g.leave <= g.maxDeletes && withinPercent;
        if (g.leave === 0 || allowed) {
          expect(r.code, context + r.stderr).toBe(0);
          expect(deletes, context).toBe(g.leave);
        } else {
          expect(r.code, context).toBe(3);
          expect(deletes, context).toBe(0);
          expect(r.json().holds[0], context).toMatch(/mass-delete guard/);
        }
      }),
      { numRuns: 8, endOnFailure: true },
    );
  }, 120_000);
});
