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

export interface CapSpec {
  /** "delete" / "demotion": names the guard and the actions in the hold. */
  noun: string;
  /** The variables named in the hold, e.g. MAX_DELETES / MAX_DELETE_PERCENT. */
  countVar: string;
  percentVar: string;
  max: number;
  /** null: no percent cap (lifted by a one-run override). */
  maxPercent: number | null;
  /** How to lift the guard once; `{n}` is replaced by the number of actions. */
  overrideHint?: string | undefined;
}

/** The hold message when `actions` exceed either cap, else null. */
export function capHold(count: number, managed: number, cap: CapSpec): string | null {
  if (count === 0) return null;
  const overCount = count > cap.max;
  const percent = managed > 0 ? (count / managed) * 100 : 0;
  const overPercent = cap.maxPercent !== null && count > percentAllowance(cap.maxPercent, managed);
  if (!overCount && !overPercent) return null;
  const caps = [
    overCount ? `${cap.countVar}=${cap.max}` : null,
    overPercent ? `${cap.percentVar}=${cap.maxPercent}% (${percent.toFixed(1)}% of ${managed} managed)` : null,
  ].filter(Boolean).join(' and ');
  return (
    `mass-${cap.noun} guard: ${count} ${cap.noun}s planned, over ${caps}; no ${cap.noun}s made` +
    (cap.overrideHint ? `. To allow them once: ${cap.overrideHint.replace('{n}', String(count))}` : '')
  );
}

export function withhold(actions: readonly PlanAction[]): void {
  for (const a of actions) a.status = 'withheld';
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
/** Can administer the workspace today: accepted, enabled, a person. */
export function isActivePerson(m: Member): boolean {
  return !m.pending && !m.disabled && !m.serviceAccount && m.exclusion !== 'disabled' && m.exclusion !== 'service_account';
}

export function guardLastAdmin(current: readonly Member[], revoking: readonly PlanAction[], adminRole: string): string[] {
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
  return [`last-admin guard: ${kept.email} is the last remaining ${adminRole}; not ${kept.type === 'delete' ? 'deleted' : 'demoted'}`];
}
