/**
 * The plan engine: desired members + current members + options -> actions.
 * Pure and side-agnostic: it never learns which API is the source or the
 * target — the target's roles and admin role come in as options, holds and
 * skip reasons go out as data (worded in src/render) — so the reverse
 * direction is a matter of swapping adapters (test/core/reverse.test.ts).
 */
import type { Exclusion, Member } from './member.js';
import { capHold, guardLastAdmin, isActivePerson, withhold, type Hold } from './guards.js';
import { roleRank } from './roles.js';
import { deferDeletes, nextDue, type DeleteAfter, type Pause } from './grace.js';
import type { GroupChange } from './plan-groups.js';

/** update_name (SYNC_NAMES) and group (GROUP_MAP) come from plan-names.ts and plan-groups.ts, combined in plan-sync.ts. */
export type PlanActionType = 'delete' | 'update_role' | 'invite' | 'update_name' | 'group';

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
  /** update_name only: the name the target has now (`name` is the one it gets). */
  fromName?: string;
  /** invite only: the groups (target names) the new member is invited into. */
  groups?: string[];
  /** group only: one group's new member list (`id` is the group's, absent when created). */
  group?: GroupChange;
  /**
   * not_reviewed: a reviewed plan (PlanOptions.isReviewed) does not hold it; never applied.
   * deferred: a delete waiting out DELETE_AFTER until `dueAt`.
   */
  status: 'planned' | 'withheld' | 'not_reviewed' | 'deferred';
  /** deferred deletes only. */
  dueAt?: Date;
}

export interface Plan {
  /** In apply order: deletes, downgrades, upgrades, invites. */
  actions: PlanAction[];
  unchanged: number;
  skipped: Skip[];
  /** Why destructive actions were withheld; empty when nothing was. */
  holds: Hold[];
  /** Facts and warnings for the report that withhold nothing (duplicate accounts, an unprotected key owner). */
  notes: PlanNote[];
  /** Current members the sync manages (not excluded, not protected). */
  managed: number;
}

export type { Hold } from './guards.js';

/** A member left out of the sync, and why; worded in src/render. */
export interface Skip {
  /** The member's email, or its label when that alone would not do. */
  email: string;
  /** key_owner: the account whose API key the target adapter uses. */
  kind: Exclusion | 'key_owner';
  /** unknown_role only: the role as the target gave it ('' when missing). */
  role?: string;
}

export type PlanNote =
  /** `accounts` target accounts share these (lower-cased) emails: all left alone. */
  | { kind: 'duplicates'; accounts: number; emails: string[] }
  /** No key owner named: the target adapter's own account is unprotected. */
  | { kind: 'key_owner_unset' }
  | { kind: 'key_owner_absent'; key: string }
  | { kind: 'key_owner_not_admin'; key: string; adminRole: string }
  /** `count` deletes wait out the grace period (DELETE_AFTER); the first is due at `nextDue`. */
  | { kind: 'deferred_deletes'; count: number; deleteAfterMs: number; nextDue: Date };

export interface PlanOptions {
  /** Target roles, highest first: decides downgrade vs upgrade. */
  roleOrder: readonly string[];
  /** The role that must never drop to zero active holders. */
  adminRole: string;
  isProtected: (key: string) => boolean;
  /**
   * Member key of the account whose API key the target adapter uses: left
   * alone like a protected member — never deleted, re-roled (not even
   * upgraded) or invited. null = not named: the plan notes the risk.
   * undefined = not applicable (no note).
   */
  keyOwner?: string | null;
  /** Caller-side reasons (bad or incomplete source data), already worded, that withhold every delete. */
  deleteHolds: readonly string[];
  /** Mass-delete guard: more planned deletes than this withholds them all. */
  maxDeletes: number;
  /** Mass-delete guard, in percent of managed members; null disables the percent cap. */
  maxDeletePercent: number | null;
  /** Mass-demotion guard: more planned downgrades than this withholds them all. */
  maxDemotions: number;
  /** Mass-demotion guard, in percent of managed members; null disables the percent cap. */
  maxDemotionPercent: number | null;
  /**
   * Applying a reviewed plan: actions this says no to are `not_reviewed`, and
   * the rails weigh only the reviewed ones (src/core/review.ts).
   */
  isReviewed?: (action: PlanAction) => boolean;
  /** DELETE_AFTER: deletes of members missing for less than this are deferred, not made. */
  deleteAfter?: DeleteAfter;
  /** The sync is paused: every action is withheld (the plan is still shown). */
  paused?: Pause | null;
  /** Demotions planned outside the role actions (group removals, plan-sync.ts): they count toward the mass-demotion guard. */
  extraDemotions?: number;
}

export function computePlan(desired: readonly Member[], current: readonly Member[], options: PlanOptions): Plan {
  // Keyed by member key, except duplicates: each of those accounts is reported on its own.
  const skipped = new Map<string, Skip>();
  const skip = (m: Member, kind: Skip['kind']) => {
    const slot = m.exclusion === 'duplicate' ? `${m.key}\u0000${m.id ?? ''}` : m.key;
    if (!skipped.has(slot)) skipped.set(slot, { email: m.label ?? m.email, kind, ...(kind === 'unknown_role' ? { role: m.role ?? '' } : {}) });
  };
  const protectedAs = (key: string): Skip['kind'] | null =>
    options.keyOwner && key === options.keyOwner ? 'key_owner' : options.isProtected(key) ? 'protected' : null;

  const wanted = new Map<string, Member>();
  const sourceOut = new Set<string>();
  for (const d of desired) {
    const guarded = d.exclusion ?? protectedAs(d.key);
    if (guarded) {
      skip(d, guarded);
      sourceOut.add(d.key);
    } else {
      wanted.set(d.key, d);
    }
  }

  const deletes: PlanAction[] = [];
  const downgrades: PlanAction[] = [];
  const upgrades: PlanAction[] = [];
  const invites: PlanAction[] = [];
  // Every current account blocks an invitation for its key, excluded or not:
  // a duplicate, unknown-role or disabled account must not get a twin.
  const present = new Set<string>();
  let unchanged = 0;
  let managed = 0;

  for (const c of current) {
    present.add(c.key);
    const guarded = c.exclusion ?? protectedAs(c.key);
    if (guarded) { skip(c, guarded); continue; }
    // Out of the sync on the desired side (e.g. unmapped role): leave it alone.
    if (sourceOut.has(c.key)) continue;
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
  const all = [...deletes, ...downgrades, ...upgrades, ...invites];
  // Deferred deletes are not made this run: the rails below judge only the ones due.
  const deferred = deferDeletes(deletes, options.deleteAfter);
  // With a reviewed plan, what the file does not approve is never applied, and the rails weigh the rest.
  if (options.isReviewed) for (const a of all) if (a.status === 'planned' && !options.isReviewed(a)) a.status = 'not_reviewed';
  const holds: Hold[] = [];
  const live = (list: PlanAction[]) => list.filter((a) => a.status === 'planned');
  const deleting = live(deletes);
  const demoting = live(downgrades);
  if (deleting.length > 0) {
    const reasons: Hold[] = options.deleteHolds.map((reason) => ({ kind: 'source', reason }));
    if (desired.length === 0 && managed > 0) reasons.push({ kind: 'empty_source', managed });
    const cap = capHold('mass_delete', deleting.length, managed, options.maxDeletes, options.maxDeletePercent);
    if (cap) reasons.push(cap);
    if (reasons.length > 0) {
      withhold(deleting);
      holds.push(...reasons);
    }
  }
  // A separate guard: an empty or mis-mapped role in the source demotes people without deleting anyone.
  const extra = options.extraDemotions ?? 0;
  const demotionCap = capHold('mass_demotion', demoting.length + extra, managed, options.maxDemotions, options.maxDemotionPercent);
  if (demotionCap && extra > 0) demotionCap.groupRemovals = extra;
  if (demotionCap) {
    withhold(demoting);
    holds.push(demotionCap);
  }

  holds.push(...guardLastAdmin(current, [...deleting, ...demoting], options.adminRole));

  if (options.paused) {
    // Paused: read and plan, write nothing.
    withhold(live(all));
    holds.push({ kind: 'paused', ...options.paused });
  }
  const notes = planNotes(current, options);
  const first = nextDue(deletes);
  if (deferred > 0 && first) notes.push({ kind: 'deferred_deletes', count: deferred, deleteAfterMs: options.deleteAfter!.ms, nextDue: first });

  return {
    actions: all,
    unchanged,
    skipped: [...skipped.values()].sort((a, b) => compare(a.email.toLowerCase(), b.email.toLowerCase()) || compare(a.email, b.email)),
    holds,
    notes,
    managed,
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Duplicate accounts (they need a human) and the state of the key owner's protection. */
function planNotes(current: readonly Member[], options: PlanOptions): PlanNote[] {
  const notes: PlanNote[] = [];
  const duplicates = current.filter((m) => m.exclusion === 'duplicate');
  if (duplicates.length > 0) {
    notes.push({ kind: 'duplicates', accounts: duplicates.length, emails: [...new Set(duplicates.map((m) => m.email.toLowerCase()))].sort() });
  }
  if (options.keyOwner === null) {
    notes.push({ kind: 'key_owner_unset' });
  } else if (options.keyOwner) {
    const owner = current.filter((m) => m.key === options.keyOwner);
    if (owner.length === 0) {
      notes.push({ kind: 'key_owner_absent', key: options.keyOwner });
    } else if (!owner.some((m) => m.role === options.adminRole && isActivePerson(m))) {
      notes.push({ kind: 'key_owner_not_admin', key: options.keyOwner, adminRole: options.adminRole });
    }
  }
  return notes;
}
