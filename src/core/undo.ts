/**
 * The reverse of a past run's succeeded actions, against the target as it is
 * now. Pure, like the plan engine: a delete is reversed by an invite with the
 * role recorded before the delete; a re-role goes back to its `from` role if
 * the member still has the role the run gave; an invite is reversed by a
 * delete only while the invitation is still pending. Anything else is a skip
 * with its reason as data (worded in src/render). The same rails hold as in
 * any plan: members outside the sync are left alone, the mass guards and the
 * last-admin guard withhold.
 */
import { capHold, guardLastAdmin, withhold, type Hold } from './guards.js';
import { memberKey, type Exclusion, type Member } from './member.js';
import type { PlanAction } from './plan.js';
import { roleRank } from './roles.js';

/** A succeeded action of the run to reverse, as it was recorded. */
export interface DoneAction {
  type: 'invite' | 'update_role' | 'delete';
  email: string;
  name: string;
  /** The target's id: of the member deleted or re-roled, or created by the invite. */
  id?: string;
  from?: string;
  to?: string;
}

export type UndoSkipReason =
  /** The member is no longer in the target. */
  | { kind: 'gone' }
  /** A delete to reverse, but an account with that email is in the target again. */
  | { kind: 'present'; id?: string }
  /** An invite to reverse, but the invitation was accepted: they have started using the target. */
  | { kind: 'active' }
  /** A re-role to reverse, but the member's role is no longer the one the run gave. */
  | { kind: 'role_changed'; role: string | null; expected: string }
  /** Nothing recorded to go back to (a delete or re-role of a member that had no role). */
  | { kind: 'no_role' }
  /** The member is outside the sync now (protected, key owner, service account, ...). */
  | { kind: 'excluded'; exclusion: Exclusion | 'key_owner' };

export interface UndoStep {
  action: PlanAction;
  /** Set when this reversal is not made; the action is then only reported. */
  skip?: UndoSkipReason;
}

export interface UndoOptions {
  roleOrder: readonly string[];
  adminRole: string;
  isProtected: (key: string) => boolean;
  keyOwner?: string | null;
  maxDeletes: number;
  maxDeletePercent: number | null;
  maxDemotions: number;
  maxDemotionPercent: number | null;
}

export interface UndoPlan {
  /** In apply order (deletes, downgrades, upgrades, invites), then the skipped ones. */
  steps: UndoStep[];
  holds: Hold[];
  /** Current members the sync manages (the mass guards' base). */
  managed: number;
}

export function planUndo(done: readonly DoneAction[], current: readonly Member[], options: UndoOptions): UndoPlan {
  const byId = new Map(current.filter((m) => m.id !== undefined).map((m) => [m.id!, m]));
  const byKey = new Map<string, Member[]>();
  for (const m of current) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m]);
  const excludedAs = (m: Member): UndoSkipReason | null => {
    if (options.keyOwner && m.key === options.keyOwner) return { kind: 'excluded', exclusion: 'key_owner' };
    if (m.exclusion) return { kind: 'excluded', exclusion: m.exclusion };
    return options.isProtected(m.key) ? { kind: 'excluded', exclusion: 'protected' } : null;
  };
  const managed = current.filter((m) => !excludedAs(m)).length;

  const steps = done.map((d): UndoStep => {
    const key = memberKey(d.email);
    const base = { key, email: d.email, name: d.name };
    if (d.type === 'delete') {
      const invite: PlanAction = { ...base, type: 'invite', ...(d.from ? { to: d.from } : {}), status: 'planned' };
      const twin = byKey.get(key)?.[0];
      if (twin) return { action: invite, skip: { kind: 'present', ...(twin.id ? { id: twin.id } : {}) } };
      if (!d.from) return { action: invite, skip: { kind: 'no_role' } };
      if (options.keyOwner && key === options.keyOwner) return { action: invite, skip: { kind: 'excluded', exclusion: 'key_owner' } };
      if (options.isProtected(key)) return { action: invite, skip: { kind: 'excluded', exclusion: 'protected' } };
      // Groups: once group sync lands (issue 10), the groups recorded before the delete are restored here too.
      return { action: invite };
    }
    // A re-role or invite to reverse: the very account the run touched, by id (its email may have been reused).
    const member = d.id ? byId.get(d.id) : byKey.get(key)?.[0];
    const id = member?.id ?? d.id;
    const ref = { ...base, ...(id ? { id } : {}) };
    if (d.type === 'update_role') {
      const back = d.from
        ? roleRank(d.from, options.roleOrder) > roleRank(d.to, options.roleOrder) ? 'down' : 'up'
        : undefined;
      const action: PlanAction = {
        ...ref, type: 'update_role', ...(d.to ? { from: d.to } : {}), ...(d.from ? { to: d.from } : {}),
        ...(back ? { direction: back } : {}), status: 'planned',
      };
      if (!member) return { action, skip: { kind: 'gone' } };
      const excluded = excludedAs(member);
      if (excluded) return { action, skip: excluded };
      if (member.role !== d.to) return { action, skip: { kind: 'role_changed', role: member.role, expected: d.to ?? '' } };
      if (!d.from) return { action, skip: { kind: 'no_role' } };
      return { action };
    }
    const action: PlanAction = { ...ref, type: 'delete', ...(member?.role ?? d.to ? { from: member?.role ?? d.to } : {}), status: 'planned' };
    if (!member) return { action, skip: { kind: 'gone' } };
    const excluded = excludedAs(member);
    if (excluded) return { action, skip: excluded };
    return member.pending ? { action } : { action, skip: { kind: 'active' } };
  });

  const phase = (s: UndoStep) =>
    s.skip ? 4 : s.action.type === 'delete' ? 0 : s.action.type === 'update_role' ? (s.action.direction === 'down' ? 1 : 2) : 3;
  const ordered = steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => phase(a.s) - phase(b.s) || a.i - b.i)
    .map(({ s }) => s);

  const made = ordered.filter((s) => !s.skip).map((s) => s.action);
  const deletes = made.filter((a) => a.type === 'delete');
  const downgrades = made.filter((a) => a.type === 'update_role' && a.direction === 'down');
  const holds: Hold[] = [];
  for (const [kind, list, max, percent] of [
    ['mass_delete', deletes, options.maxDeletes, options.maxDeletePercent],
    ['mass_demotion', downgrades, options.maxDemotions, options.maxDemotionPercent],
  ] as const) {
    const cap = capHold(kind, list.length, managed, max, percent);
    if (cap) {
      withhold(list);
      holds.push(cap);
    }
  }
  holds.push(...guardLastAdmin(current, [...deletes, ...downgrades], options.adminRole));
  const skipped = ordered.filter((s) => s.skip).length;
  if (skipped > 0) holds.push({ kind: 'undo_skipped', count: skipped });
  return { steps: ordered, holds, managed };
}
