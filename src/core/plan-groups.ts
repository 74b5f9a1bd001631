/**
 * GROUP_MAP membership: each mapped group holds exactly the managed members
 * whose source roles map to it, plus every member the sync does not manage
 * (unknown ids, excluded, protected, members whose source role maps to
 * nothing, leavers whose delete is the role plan's business) — those are
 * never removed. One action per changed group carries the group's full
 * member list: the target replaces the list in one write. A mapped group the
 * target lacks is created. New members are not in these lists: their invite
 * carries their groups.
 */
import { groupKey, type TargetGroup } from './groups.js';
import type { ManagedPair } from './managed.js';
import type { PlanAction } from './plan.js';

export interface GroupPerson {
  id: string;
  email: string;
  pending?: boolean;
}

/** One group's change: one write of its full member list. */
export interface GroupChange {
  /** The target group's name (GROUP_MAP's spelling when the group is created). */
  name: string;
  /** The target's id of the group; absent when this action creates it. */
  id?: string;
  /** Every member id the group holds after the write: what is sent. */
  memberIds: string[];
  /** Those of memberIds that are pending: the target may not list them back until they sign in. */
  pendingIds: string[];
  added: GroupPerson[];
  removed: GroupPerson[];
  /** Removals a rail withheld: still in memberIds. */
  withheldRemovals: GroupPerson[];
}

export interface GroupPlanInput {
  /** GROUP_MAP's groups, each once. */
  names: readonly string[];
  /** The target's group for each name (by groupKey); undefined: not there yet. Pending members already sent count as members. */
  found: ReadonlyMap<string, TargetGroup | undefined>;
  /** Ids of every current member that is pending. */
  pendingIds: ReadonlySet<string>;
}

export function planGroupChanges(pairs: readonly ManagedPair[], input: GroupPlanInput): PlanAction[] {
  const byId = new Map<string, ManagedPair>();
  for (const p of pairs) if (p.current.id !== undefined) byId.set(p.current.id, p);
  const person = (p: ManagedPair): GroupPerson => ({ id: p.current.id!, email: p.current.email, ...(p.current.pending ? { pending: true } : {}) });
  const belongs = (p: ManagedPair, key: string) => p.desired?.groups?.some((g) => groupKey(g) === key) ?? false;

  const actions: PlanAction[] = [];
  for (const name of input.names) {
    const key = groupKey(name);
    const group = input.found.get(key);
    const listed = [...new Set(group?.memberIds ?? [])];
    const kept: string[] = [];
    const removed: GroupPerson[] = [];
    for (const id of listed) {
      const p = byId.get(id);
      // Not managed (unknown id, excluded, protected) or a leaver: never removed here.
      if (!p || !p.desired || belongs(p, key)) kept.push(id);
      else removed.push(person(p));
    }
    const has = new Set(listed);
    const added = pairs.filter((p) => p.current.id !== undefined && !has.has(p.current.id) && belongs(p, key)).map(person);
    if (group && added.length === 0 && removed.length === 0) continue;
    const byEmail = (a: GroupPerson, b: GroupPerson) => (a.email.toLowerCase() < b.email.toLowerCase() ? -1 : a.email.toLowerCase() > b.email.toLowerCase() ? 1 : 0);
    added.sort(byEmail);
    removed.sort(byEmail);
    const memberIds = [...kept, ...added.map((a) => a.id)];
    const groupName = group?.name ?? name;
    actions.push({
      type: 'group',
      key: `group:${key}`,
      email: groupName,
      name: groupName,
      ...(group ? { id: group.id } : {}),
      group: { name: groupName, ...(group ? { id: group.id } : {}), memberIds, pendingIds: memberIds.filter((id) => input.pendingIds.has(id)), added, removed, withheldRemovals: [] },
      status: 'planned',
    });
  }
  return actions;
}

/** Removals planned across group actions (withheld ones not counted). */
export function plannedRemovals(actions: readonly PlanAction[]): number {
  return actions.reduce((n, a) => n + (a.group && a.status === 'planned' ? a.group.removed.length : 0), 0);
}

/**
 * A rail withholds the removals: they stay in the member list. A group
 * action left with nothing else to do (an existing group) is withheld whole.
 */
export function withholdRemovals(actions: readonly PlanAction[]): void {
  for (const a of actions) {
    const g = a.group;
    if (!g || g.removed.length === 0) continue;
    g.withheldRemovals.push(...g.removed);
    g.memberIds.push(...g.removed.map((r) => r.id));
    g.pendingIds.push(...g.removed.filter((r) => r.pending).map((r) => r.id));
    g.removed = [];
    if (g.added.length === 0 && g.id !== undefined) a.status = 'withheld';
  }
}
