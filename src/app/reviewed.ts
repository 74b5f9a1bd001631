/**
 * What `apply PLAN_FILE` changes in a reconcile: the run is recorded as an
 * `apply-plan` of the dry run that made the file; the mass guards are lifted
 * (the file is the approval) while the data rails still hold; fresh actions
 * not in the file are `not_reviewed`, actions of the file the fresh plan no
 * longer holds are recorded `stale`; either makes the run held (exit 3).
 */
import type { Plan, PlanOptions } from '../core/plan.js';
import { reviewOf } from '../core/review.js';
import type { ActionType, NewAction, RunRecord } from '../store/types.js';
import type { ReviewedPlan } from './plan-file.js';

export interface Reviewing {
  /** Recorded on the run. */
  runFields: Partial<Pick<RunRecord, 'planRun'>>;
  /** Lifts both mass guards (deletes and demotions) when set. */
  maxOverride: number | undefined;
  planOptions: Pick<PlanOptions, 'isReviewed'>;
  /** After planning: adds the review's hold to the plan; returns the stale actions to record. */
  settle(plan: Plan): Omit<NewAction, 'seq'>[];
}

const NOT_REVIEWING: Reviewing = { runFields: {}, maxOverride: undefined, planOptions: {}, settle: () => [] };

export function reviewing(plan: ReviewedPlan | undefined): Reviewing {
  if (!plan) return NOT_REVIEWING;
  const review = reviewOf(plan.actions);
  return {
    runFields: { planRun: plan.runId },
    maxOverride: Number.MAX_SAFE_INTEGER,
    planOptions: { isReviewed: review.isReviewed },
    settle(p) {
      const stale = review.stale(p.actions);
      const notReviewed = p.actions.filter((a) => a.status === 'not_reviewed').length;
      if (stale.length > 0 || notReviewed > 0) p.holds.push({ kind: 'review', stale: stale.length, notReviewed });
      return stale.map((a) => ({
        type: a.type as ActionType, email: a.email, name: typeof a.name === 'string' && a.name ? a.name : null,
        secodaId: a.secodaId ?? null, fromRole: a.from ?? null, toRole: a.to ?? null, status: 'stale' as const,
      }));
    },
  };
}
