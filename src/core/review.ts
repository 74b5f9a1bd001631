/**
 * Reviewed plans: which actions of a fresh plan a person approved in a plan
 * file. An action is approved when the file holds one with the same identity;
 * an action of the file the fresh plan does not hold is stale. Neither side
 * can add to the other: a forged action in the file only ever turns stale.
 */
import { memberKey } from './member.js';
import type { PlanAction } from './plan.js';

/** An action as a plan file lists it: the report's shape (the target's id is `secodaId`). */
export interface ReviewedAction {
  type: string;
  email: string;
  secodaId?: string;
  from?: string;
  to?: string;
  /** Any other field of an action kind (a group, say) is part of its identity. */
  [field: string]: unknown;
}

/**
 * Fields that describe an action without being what was approved: its
 * outcome, its display name, how it is ordered. Every other field is
 * identity, so an action kind with fields of its own (group changes) joins
 * without a change here, as long as its plan action and its report name the
 * field alike.
 */
const NOT_IDENTITY = new Set(['key', 'name', 'status', 'direction', 'error', 'reason', 'actionId', 'httpStatus', 'attempts', 'dueAt']);

/**
 * A group write as approved: the group and the members it adds and removes. The plan holds people
 * (`{email, id}`) and member ids, the report their emails and a count: both come down to this.
 */
function groupIdentity(group: Record<string, unknown>): unknown {
  const emails = (list: unknown) =>
    (Array.isArray(list) ? list : []).map((p) => memberKey(typeof p === 'string' ? p : String((p as { email?: unknown }).email ?? ''))).sort();
  return { name: group.name, added: emails(group.added), removed: emails(group.removed) };
}

/** The identity of an action in either shape: type, email (as a member key), Secoda id, from, to, and any kind-specific field. */
export function actionIdentity(action: object): string {
  const fields = Object.entries(action)
    .filter(([k]) => !NOT_IDENTITY.has(k))
    .map(([k, v]) => [k === 'id' ? 'secodaId' : k, v as unknown] as const)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [k, k === 'email' && typeof v === 'string' ? memberKey(v) : k === 'group' && typeof v === 'object' ? groupIdentity(v as Record<string, unknown>) : v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(fields);
}

export interface Review {
  /** For PlanOptions.isReviewed. */
  isReviewed(action: PlanAction): boolean;
  /** The file's actions the fresh plan does not hold, in file order. */
  stale(fresh: readonly PlanAction[]): ReviewedAction[];
}

export function reviewOf(file: readonly ReviewedAction[]): Review {
  // A delete the file shows deferred (DELETE_AFTER) was not yet due when reviewed: it approves nothing.
  const approved = new Set(file.filter((a) => a.status !== 'deferred').map(actionIdentity));
  return {
    isReviewed: (a) => approved.has(actionIdentity(a)),
    stale(fresh) {
      const planned = new Set(fresh.map(actionIdentity));
      return file.filter((a) => !planned.has(actionIdentity(a)));
    },
  };
}
