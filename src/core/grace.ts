/**
 * DELETE_AFTER and pause, as plan rules: both only ever hold back actions
 * the plan made, never add any. The caller brings what they need from the
 * run history (when each member was first found missing, the open pause);
 * the core stays free of clocks and storage.
 */
import type { PlanAction } from './plan.js';

export interface DeleteAfter {
  /** How long a member must be missing from the source before its delete is made; 0 = at once. */
  ms: number;
  /** This run's observation time. */
  now: Date;
  /** Member key -> when runs first found it missing (without a break); absent = first time now. */
  missingSince: ReadonlyMap<string, Date>;
}

export interface Pause {
  reason: string;
  since: Date;
  by: string;
}

/** Marks each delete not yet due `deferred`, with its due time; returns how many. */
export function deferDeletes(deletes: readonly PlanAction[], rule: DeleteAfter | undefined): number {
  if (!rule || rule.ms <= 0) return 0;
  let deferred = 0;
  for (const a of deletes) {
    const since = rule.missingSince.get(a.key) ?? rule.now;
    const due = new Date(since.getTime() + rule.ms);
    if (due.getTime() > rule.now.getTime()) {
      a.status = 'deferred';
      a.dueAt = due;
      deferred++;
    }
  }
  return deferred;
}

/** The earliest due time of the deferred deletes, if any. */
export function nextDue(actions: readonly PlanAction[]): Date | null {
  let next: Date | null = null;
  for (const a of actions) {
    if (a.status === 'deferred' && a.dueAt && (!next || a.dueAt < next)) next = a.dueAt;
  }
  return next;
}
