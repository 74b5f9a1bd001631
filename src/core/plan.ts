/**
 * The plan engine: desired members + current members + options -> actions.
 * Pure and side-agnostic: it never learns which API is the source or the
 * target, so the reverse direction is a matter of swapping adapters.
 */
import type { Member } from './member.js';
import { roleRank } from './roles.js';

export type PlanActionType = 'delete' | 'update_role' | 'invite';

export interface PlanAction {
  type: PlanActionType;
  key: string;
  email: string;
  name: string;
  /** The target's id of the member (delete, update_role). */
  id?: string;
  from?: string;
  to?: string;
  /** update_role only: a downgrade is applied before any upgrade. */
  direction?: 'down' | 'up';
  status: 'planned' | 'withheld';
}

export interface Plan {
  /** In apply order: deletes, downgrades, upgrades, invites. */
  actions: PlanAction[];
  unchanged: number;
  skipped: { email: string; reason: string }[];
  /** Why destructive actions were withheld; empty when nothing was. */
  holds: string[];
  /** Current members the sync manages (not excluded, not protected). */
  managed: number;
}

export interface PlanOptions {
  /** Target roles, highest first: decides downgrade vs upgrade. */
  roleOrder: readonly string[];
  /** The role that must never drop to zero active holders. */
  adminRole: string;
  isProtected: (key: string) => boolean;
  /** Caller-side reasons (bad or incomplete source data) that withhold every delete. */
  deleteHolds: readonly string[];
  /** Mass-delete guard: more planned deletes than this withholds them all. */
  maxDeletes: number;
  /** Mass-delete guard, in percent of managed members; null disables the percent cap. */
  maxDeletePercent: number | null;
  /** How a user lifts the mass-delete guard for one run (named in the hold message). */
  overrideHint?: string;
}

const REASONS: Record<string, string> = {
  service_account: 'service account',
  guest: 'guest',
  disabled: 'disabled',
  protected: 'protected (PROTECTED_EMAILS)',
  unmapped_role: 'no mapped role (DEFAULT_ROLE=none)',
};

export function computePlan(desired: readonly Member[], current: readonly Member[], options: PlanOptions): Plan {
  const skipped = new Map<string, { email: string; reason: string }>();
  const skip = (m: Member, reason: string) => {
    if (!skipped.has(m.key)) skipped.set(m.key, { email: m.email, reason: REASONS[reason] ?? reason });
  };

  const wanted = new Map<string, Member>();
  for (const d of desired) {
    if (d.exclusion) skip(d, d.exclusion);
    else if (options.isProtected(d.key)) skip(d, 'protected');
    else wanted.set(d.key, d);
  }

  const deletes: PlanAction[] = [];
  const downgrades: PlanAction[] = [];
  const upgrades: PlanAction[] = [];
  const invites: PlanAction[] = [];
  const present = new Set<string>();
  let unchanged = 0;
  let managed = 0;

  for (const c of current) {
    present.add(c.key);
    if (c.exclusion) { skip(c, c.exclusion); continue; }
    if (options.isProtected(c.key)) { skip(c, 'protected'); continue; }
    // Out of the sync on the desired side (e.g. unmapped role): leave it alone.
    if (skipped.has(c.key)) continue;
    const d = wanted.get(c.key);
    managed++;
    // Name the person as the source of truth knows them; leavers as the target does.
    const base = { key: c.key, email: c.email, name: d?.name || c.name, ...(c.id !== undefined ? { id: c.id } : {}) };
    if (!d) {
      deletes.push({ ...base, type: 'delete', ...(c.role ? { from: c.role } : {}), status: 'planned' });
    } else if (d.role !== c.role && d.role) {
      const down = roleRank(d.role, options.roleOrder) > roleRank(c.role, options.roleOrder);
      const action: PlanAction = {
        ...base, type: 'update_role', ...(c.role ? { from: c.role } : {}), to: d.role, direction: down ? 'down' : 'up', status: 'planned',
      };
      (down ? downgrades : upgrades).push(action);
    } else {
      unchanged++;
    }
  }

  for (const d of wanted.values()) {
    if (present.has(d.key) || !d.role) continue;
    invites.push({ type: 'invite', key: d.key, email: d.email, name: d.name, to: d.role, status: 'planned' });
  }

  const byEmail = (a: PlanAction, b: PlanAction) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  [deletes, downgrades, upgrades, invites].forEach((list) => list.sort(byEmail));

  const holds: string[] = [];
  const withhold = (actions: PlanAction[]) => actions.forEach((a) => (a.status = 'withheld'));

  if (deletes.length > 0) {
    const reasons = [...options.deleteHolds];
    if (desired.length === 0 && managed > 0) {
      reasons.push(`the source returned no users while the target has ${managed} managed users: no deletes`);
    }
    const overCount = deletes.length > options.maxDeletes;
    const percent = managed > 0 ? (deletes.length / managed) * 100 : 0;
    const overPercent = options.maxDeletePercent !== null && percent > options.maxDeletePercent;
    if (overCount || overPercent) {
      const caps = [
        overCount ? `MAX_DELETES=${options.maxDeletes}` : null,
        overPercent ? `MAX_DELETE_PERCENT=${options.maxDeletePercent}% (${percent.toFixed(1)}% of ${managed} managed)` : null,
      ].filter(Boolean).join(' and ');
      reasons.push(
        `mass-delete guard: ${deletes.length} deletes planned, over ${caps}; no deletes made` +
          (options.overrideHint ? `. To allow them once: ${options.overrideHint.replace('{n}', String(deletes.length))}` : ''),
      );
    }
    if (reasons.length > 0) {
      withhold(deletes);
      holds.push(...reasons);
    }
  }

  holds.push(...guardLastAdmin(current, deletes, downgrades, options));

  return {
    actions: [...deletes, ...downgrades, ...upgrades, ...invites],
    unchanged,
    skipped: [...skipped.values()].sort((a, b) => (a.email.toLowerCase() < b.email.toLowerCase() ? -1 : 1)),
    holds,
    managed,
  };
}

/**
 * Never remove or demote the last active admin: when the plan would leave no
 * active admin — a person (not a service account) who accepted the invitation
 * and is not disabled — withhold the first such action.
 */
function guardLastAdmin(current: readonly Member[], deletes: PlanAction[], downgrades: PlanAction[], options: PlanOptions): string[] {
  const activeAdmins = current.filter(
    (m) => m.role === options.adminRole && !m.pending && m.exclusion !== 'disabled' && m.exclusion !== 'service_account',
  );
  if (activeAdmins.length === 0) return [];
  const adminKeys = new Set(activeAdmins.map((m) => m.key));
  const losing = [...deletes, ...downgrades].filter((a) => a.status === 'planned' && adminKeys.has(a.key));
  if (losing.length < activeAdmins.length) return [];
  const kept = losing[0]!;
  kept.status = 'withheld';
  return [`last-admin guard: ${kept.email} is the last remaining ${options.adminRole}; not ${kept.type === 'delete' ? 'deleted' : 'demoted'}`];
}
