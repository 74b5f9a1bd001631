/**
 * The whole plan of a run: the role plan (computePlan) plus, when configured,
 * name changes (SYNC_NAMES) and group membership (GROUP_MAP), with the rails
 * that span them: bad or incomplete source data withholds group removals as
 * it withholds deletes, and group removals count toward the mass-demotion
 * guard. Apply order: deletes, downgrades, upgrades, names, groups, invites
 * (invites last: they carry their groups, which may be created just before).
 */
import { groupKey, type TargetGroup } from './groups.js';
import { managedPairs } from './managed.js';
import type { Member } from './member.js';
import { planGroupChanges, plannedRemovals, withholdRemovals } from './plan-groups.js';
import { planNames } from './plan-names.js';
import { withhold } from './guards.js';
import { computePlan, type Hold, type Plan, type PlanOptions } from './plan.js';

export interface SyncPlanOptions extends PlanOptions {
  /** GROUP_MAP's groups, each once, and the target's group for each (by groupKey; pending members already sent counted in). Absent: groups are left alone. */
  groups?: { names: readonly string[]; found: ReadonlyMap<string, TargetGroup | undefined> };
  /** SYNC_NAMES: managed members' names follow the source. */
  syncNames?: boolean;
}

export function computeSyncPlan(desired: readonly Member[], current: readonly Member[], options: SyncPlanOptions): Plan {
  if (!options.groups && !options.syncNames) return computePlan(desired, current, options);
  const pairs = managedPairs(desired, current, options);
  const pendingIds = new Set(current.filter((m) => m.pending && m.id !== undefined).map((m) => m.id!));
  const groupActions = options.groups ? planGroupChanges(pairs, { ...options.groups, pendingIds }) : [];

  // Bad or incomplete source data: a member missing from it must not lose a group either.
  const groupHolds: Hold[] = [];
  const removals = plannedRemovals(groupActions);
  if (removals > 0) {
    const reasons: Hold[] = options.deleteHolds.map((reason) => ({ kind: 'source', reason }));
    if (desired.length === 0 && pairs.length > 0) reasons.push({ kind: 'empty_source', managed: pairs.length });
    if (reasons.length > 0) {
      withholdRemovals(groupActions);
      groupHolds.push({ kind: 'group_removals', count: removals, reasons });
    }
  }

  const plan = computePlan(desired, current, { ...options, extraDemotions: plannedRemovals(groupActions) });
  if (plan.holds.some((h) => h.kind === 'mass_demotion')) withholdRemovals(groupActions);
  // A leaver deleted before the group writes is gone by then: a list naming it would be refused.
  const deleted = new Set(plan.actions.filter((a) => a.type === 'delete' && a.status === 'planned' && a.id !== undefined).map((a) => a.id!));
  for (const g of groupActions.map((a) => a.group!)) {
    g.memberIds = g.memberIds.filter((id) => !deleted.has(id));
    g.pendingIds = g.pendingIds.filter((id) => !deleted.has(id));
  }

  // Invites carry their groups, named as the target names them (or as GROUP_MAP does, for a group created this run).
  const wanted = new Map(desired.map((d) => [d.key, d]));
  const targetName = (g: string) => options.groups?.found.get(groupKey(g))?.name ?? g;
  const byType = (t: string) => plan.actions.filter((a) => a.type === t);
  const invites = byType('invite').map((a) => {
    const groups = options.groups ? (wanted.get(a.key)?.groups ?? []).map(targetName) : [];
    return groups.length > 0 ? { ...a, groups } : a;
  });
  const roleActions = plan.actions.filter((a) => a.type !== 'invite');
  const extra = [...(options.syncNames ? planNames(pairs) : []), ...groupActions];
  // computePlan marked its own actions; renames and group writes answer to the same review and pause.
  const isReviewed = options.isReviewed;
  if (isReviewed) for (const a of extra) if (a.status === 'planned' && !isReviewed(a)) a.status = 'not_reviewed';
  if (options.paused) withhold(extra.filter((a) => a.status === 'planned'));
  return {
    ...plan,
    actions: [...roleActions, ...extra, ...invites],
    holds: [...plan.holds, ...groupHolds],
  };
}
