/**
 * The plan engine: desired members + current members + options -> actions.
 * Pure and side-agnostic: it never learns which API is the source or the
 * target, so the reverse direction is a matter of swapping adapters.
 */
import type { Member } from './member.js';
import { capHold, guardLastAdmin, isActivePerson, withhold } from './guards.js';
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
  /** Facts and warnings for the report that withhold nothing (duplicate accounts, an unprotected key owner). */
  notes: string[];
  /** Current members the sync manages (not excluded, not protected). */
  managed: number;
}

export interface PlanOptions {
  /** Target roles, highest first: decides downgrade vs upgrade. */
  roleOrder: readonly string[];
  /** The role that must never drop to zero active holders. */
  adminRole: string;
  isProtected: (key: string) => boolean;
  /**
   * Member key of the account whose API key the target adapter uses
   * (SECODA_KEY_OWNER): left alone like a protected member — never deleted,
   * re-roled (not even upgraded) or invited. null = not named: the plan notes
   * the risk. undefined = not applicable (no note).
   */
  keyOwner?: string | null;
  /** Caller-side reasons (bad or incomplete source data) that withhold every delete. */
  deleteHolds: readonly string[];
  /** Mass-delete guard: more planned deletes than this withholds them all. */
  maxDeletes: number;
  /** Mass-delete guard, in percent of managed members; null disables the percent cap. */
  maxDeletePercent: number | null;
  /** How a user lifts the mass-delete guard for one run (named in the hold message). */
  overrideHint?: string;
  /** Mass-demotion guard: more planned downgrades than this withholds them all. */
  maxDemotions: number;
  /** Mass-demotion guard, in percent of managed members; null disables the percent cap. */
  maxDemotionPercent: number | null;
  /** How a user lifts the mass-demotion guard for one run. */
  demotionOverrideHint?: string;
}

const REASONS: Record<string, string> = {
  service_account: 'service account',
  guest: 'guest',
  disabled: 'disabled',
  protected: 'protected (PROTECTED_EMAILS)',
  key_owner: 'protected (SECODA_KEY_OWNER)',
  unmapped_role: 'no mapped role (DEFAULT_ROLE=none)',
  no_email: 'no email',
  duplicate: 'duplicate account',
};

function reasonOf(m: Member, reason: string): string {
  if (reason === 'unknown_role') return m.role ? `unknown role "${m.role}"` : 'unknown role (missing)';
  return REASONS[reason] ?? reason;
}

export function computePlan(desired: readonly Member[], current: readonly Member[], options: PlanOptions): Plan {
  // Keyed by member key, except duplicates: each of those accounts is reported on its own.
  const skipped = new Map<string, { email: string; reason: string }>();
  const skip = (m: Member, reason: string) => {
    const slot = m.exclusion === 'duplicate' ? `${m.key}\u0000${m.id ?? ''}` : m.key;
    if (!skipped.has(slot)) skipped.set(slot, { email: m.label ?? m.email, reason: reasonOf(m, reason) });
  };
  const protectedAs = (key: string) => (options.keyOwner && key === options.keyOwner ? 'key_owner' : options.isProtected(key) ? 'protected' : null);

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

  const holds: string[] = [];
  if (deletes.length > 0) {
    const reasons = [...options.deleteHolds];
    if (desired.length === 0 && managed > 0) {
      reasons.push(`the source returned no users while the target has ${managed} managed users: no deletes`);
    }
    const cap = capHold(deletes.length, managed, {
      noun: 'delete', countVar: 'MAX_DELETES', percentVar: 'MAX_DELETE_PERCENT',
      max: options.maxDeletes, maxPercent: options.maxDeletePercent, overrideHint: options.overrideHint,
    });
    if (cap) reasons.push(cap);
    if (reasons.length > 0) {
      withhold(deletes);
      holds.push(...reasons);
    }
  }
  // A separate guard: an empty or mis-mapped role in the source demotes people without deleting anyone.
  const demotionCap = capHold(downgrades.length, managed, {
    noun: 'demotion', countVar: 'MAX_DEMOTIONS', percentVar: 'MAX_DEMOTION_PERCENT',
    max: options.maxDemotions, maxPercent: options.maxDemotionPercent, overrideHint: options.demotionOverrideHint,
  });
  if (demotionCap) {
    withhold(downgrades);
    holds.push(demotionCap);
  }

  holds.push(...guardLastAdmin(current, [...deletes, ...downgrades], options.adminRole));

  return {
    actions: [...deletes, ...downgrades, ...upgrades, ...invites],
    unchanged,
    skipped: [...skipped.values()].sort((a, b) => compare(a.email.toLowerCase(), b.email.toLowerCase()) || compare(a.email, b.email)),
    holds,
    notes: planNotes(current, options),
    managed,
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Duplicate accounts (they need a human) and the state of the key owner's protection. */
function planNotes(current: readonly Member[], options: PlanOptions): string[] {
  const notes: string[] = [];
  const dupes = [...new Set(current.filter((m) => m.exclusion === 'duplicate').map((m) => m.email.toLowerCase()))].sort();
  if (dupes.length > 0) {
    const accounts = current.filter((m) => m.exclusion === 'duplicate').length;
    const shown = dupes.slice(0, 10).join(', ') + (dupes.length > 10 ? ` and ${dupes.length - 10} more` : '');
    notes.push(
      `${accounts} accounts share ${dupes.length === 1 ? 'one email' : `${dupes.length} emails`} (${shown}): ` +
        'they are left alone (not re-roled, deleted or invited) until only one account per email remains in Secoda',
    );
  }
  if (options.keyOwner === null) {
    notes.push(
      'warning: SECODA_KEY_OWNER is not set, so the Secoda user who owns SECODA_API_KEY is not protected: ' +
        'the sync could delete or demote it and lock itself out. Set SECODA_KEY_OWNER to that user\'s email ' +
        '(Secoda has no API call that names a key\'s owner).',
    );
  } else if (options.keyOwner) {
    const owner = current.filter((m) => m.key === options.keyOwner);
    if (owner.length === 0) {
      notes.push(`warning: SECODA_KEY_OWNER ${options.keyOwner} is not a user of this Secoda workspace: check the address`);
    } else if (!owner.some((m) => m.role === options.adminRole && isActivePerson(m))) {
      notes.push(`warning: SECODA_KEY_OWNER ${options.keyOwner} is not an active ${options.adminRole} in Secoda; an API key has its owner's access`);
    }
  }
  return notes;
}
