/**
 * The plan's rails against acting on bad data: caps on mass changes and the
 * last-admin guard. They only ever withhold planned actions, never add any.
 */
import type { Member } from './member.js';
import type { PlanAction } from './plan.js';

/**
 * The percent caps always allow at least one change: a cap of P% of M managed
 * members is rounded up to a whole member. One leaver among three users is
 * 33%, over the default 20%, yet needs no override; two of three still do.
 * (A floor under which percent caps don't apply at all, like Okta's 100
 * assignments, would let the count cap alone delete most of a 30-user
 * workspace.) The tolerance keeps 14.3% of 1000 from rounding up to 144.
 */
export function percentAllowance(maxPercent: number, managed: number): number {
  return Math.max(0, Math.ceil((maxPercent * managed) / 100 - 1e-9));
}

/** Why the plan withholds actions: data for the report, worded in src/render. */
export type Hold =
  /** A caller-side reason (bad or incomplete source data), already worded: every delete is withheld. */
  | { kind: 'source'; reason: string }
  /** The source listed nobody while the target has `managed` members: every delete is withheld. */
  | { kind: 'empty_source'; managed: number }
  | CapHold
  /** `email` is the last active holder of `role`: its delete or demotion is withheld. */
  | { kind: 'last_admin'; email: string; role: string; action: 'delete' | 'update_role' }
  /** A reviewed plan and the fresh one differ: `stale` actions of the file, `notReviewed` fresh ones; none applied. */
  | { kind: 'review'; stale: number; notReviewed: number }
  /** Undo: `count` actions of the run could not be reversed (each says why). */
  | { kind: 'undo_skipped'; count: number }
  /** `pause`d by `by` since `since`: every action is withheld. */
  | { kind: 'paused'; reason: string; since: Date; by: string }
  /** `count` group removals withheld, for the reasons that withhold deletes (bad or incomplete source data). */
  | { kind: 'group_removals'; count: number; reasons: Hold[] };

/** More deletes (or demotions) than a cap allows: all of them are withheld. */
export interface CapHold {
  kind: 'mass_delete' | 'mass_demotion';
  /** Actions planned. */
  count: number;
  managed: number;
  max: number;
  /** null: no percent cap (lifted by a one-run override). */
  maxPercent: number | null;
  overCount: boolean;
  overPercent: boolean;
  /** mass_demotion: how many of `count` are group removals (the rest are role downgrades). */
  groupRemovals?: number;
}

/** The hold when `count` actions exceed either cap, else null. */
export function capHold(
  kind: CapHold['kind'], count: number, managed: number, max: number, maxPercent: number | null,
): CapHold | null {
  if (count === 0) return null;
  const overCount = count > max;
  const overPercent = maxPercent !== null && count > percentAllowance(maxPercent, managed);
  if (!overCount && !overPercent) return null;
  return { kind, count, managed, max, maxPercent, overCount, overPercent };
}

export function withhold(actions: readonly PlanAction[]): void {
  for (const a of actions) a.status = 'withheld';
}

/** Can administer the workspace today: accepted, enabled, a person. */
export function isActivePerson(m: Member): boolean {
  return !m.pending && !m.disabled && !m.serviceAccount && m.exclusion !== 'disabled' && m.exclusion !== 'service_account';
}

/**
 * Never remove or demote the last active admin: when the plan would leave no
 * active admin — a person (not a service account) who accepted the invitation
 * and is not disabled — withhold the first such action.
 *
 * Counted by account id, not email, over every current account including the
 * ones the plan leaves alone (protected, duplicates, the other side's
 * exclusions): an account left alone keeps its role, so if it is an active
 * admin it still is one after the run. A pending or disabled twin counts for
 * nothing, and an account with a role outside the known ones is no admin.
 */
export function guardLastAdmin(current: readonly Member[], revoking: readonly PlanAction[], adminRole: string): Hold[] {
  const idOf = (m: { id?: string | undefined; key: string }) => m.id ?? `key:${m.key}`;
  const activeAdmins = new Set(
    current
      .filter((m) => m.role === adminRole && isActivePerson(m))
      .map(idOf),
  );
  if (activeAdmins.size === 0) return [];
  const losing = revoking.filter((a) => a.status === 'planned' && activeAdmins.has(idOf(a)));
  if (losing.length < activeAdmins.size) return [];
  const kept = losing[0]!;
  kept.status = 'withheld';
  return [{ kind: 'last_admin', email: kept.email, role: adminRole, action: kept.type === 'delete' ? 'delete' : 'update_role' }];
}
