/**
 * Plan files: a dry run's JSON report is a plan (`reconcile --dry-run --out
 * plan.json`). Its `plan` header says which format version it is, when it was
 * made and for which Secoda workspace and org API; `apply PLAN_FILE` checks
 * all of that before it opens the database or sends a request, so a plan
 * that is too old, not a plan, or for another workspace is exit 2 with
 * nothing written.
 */
import { actionIdentity, type ReviewedAction } from '../core/review.js';
import { formatDuration } from '../observe/progress.js';
import { ACTION_TYPES, type RunRecord } from '../store/types.js';

export const PLAN_FORMAT = 'secoda-user-sync plan';
/** Raised when a plan's fields change meaning; older tools refuse newer plans rather than guess. */
export const PLAN_VERSION = 1;

export interface PlanHeader {
  format: typeof PLAN_FORMAT;
  version: number;
  /** When the dry run started (before both reads): its age is counted from here. */
  createdAt: string;
  /** SECODA_API_URL the plan was made for. */
  workspace: string;
  /** ORG_API_URL the plan was made for. */
  orgApi: string;
}

/** The header of a dry run that read both sides; undefined for every other run. */
export function planHeaderOf(run: RunRecord): PlanHeader | undefined {
  if (run.mode !== 'dry-run' || !run.secodaApi || !run.orgApi || run.targetUsers === null) return undefined;
  return { format: PLAN_FORMAT, version: PLAN_VERSION, createdAt: run.startedAt.toISOString(), workspace: run.secodaApi, orgApi: run.orgApi };
}

export interface ReviewedPlan {
  /** The dry run that made the plan. */
  runId: number;
  createdAt: Date;
  actions: ReviewedAction[];
}

export interface PlanExpectations {
  secodaApi: string;
  orgApi: string;
  maxAgeMs: number;
  now: Date;
}

/** A file `apply` refuses; the message says what to do. */
export class PlanFileError extends Error {
  override name = 'PlanFileError';
}

/** Clock skew tolerated between the machine that made a plan and the one applying it. */
const FUTURE_SLACK_MS = 5 * 60_000;
const MAKE_ONE = 'make one with: secoda-user-sync reconcile --dry-run --out plan.json';

/** Parses and checks a plan file's text; throws PlanFileError naming the file. */
export function readPlan(text: string, file: string, expect: PlanExpectations): ReviewedPlan {
  const fail = (why: string): never => {
    throw new PlanFileError(`${file}: ${why}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail(`not a plan file (not JSON); ${MAKE_ONE}`);
  }
  if (!isObject(doc)) return fail(`not a plan file (not a JSON object); ${MAKE_ONE}`);
  const header = doc.plan;
  if (!isObject(header) || header.format !== PLAN_FORMAT) {
    const what = typeof doc.mode === 'string' && typeof doc.runId === 'number' ? `the report of run ${doc.runId} (${doc.mode}), not a plan` : 'not a plan file';
    return fail(`${what}: only the JSON report of a dry run is a plan; ${MAKE_ONE}`);
  }
  if (header.version !== PLAN_VERSION) {
    return fail(`plan format version ${JSON.stringify(header.version)} is not one this version reads (${PLAN_VERSION}); ${MAKE_ONE}`);
  }
  const createdAt = typeof header.createdAt === 'string' ? new Date(header.createdAt) : new Date(NaN);
  if (Number.isNaN(createdAt.getTime())) return fail(`not a plan file (plan.createdAt is not a time); ${MAKE_ONE}`);
  if (typeof doc.runId !== 'number' || !Number.isSafeInteger(doc.runId)) return fail(`not a plan file (no runId); ${MAKE_ONE}`);
  const age = expect.now.getTime() - createdAt.getTime();
  // A plan from the future was edited (or the clocks disagree badly): its age means nothing.
  if (age < -FUTURE_SLACK_MS) return fail(`the plan says it was made at ${createdAt.toISOString()}, in the future; ${MAKE_ONE}`);
  if (age > expect.maxAgeMs) {
    return fail(
      `the plan was made ${formatDuration(age)} ago (${createdAt.toISOString()}), longer than PLAN_MAX_AGE=${formatDuration(expect.maxAgeMs)} allows: ` +
        `both sides may have changed since; ${MAKE_ONE}`,
    );
  }
  if (header.workspace !== expect.secodaApi) {
    // URLs in quotes: punctuation right after one would read as part of it.
    return fail(`the plan was made for the Secoda workspace "${String(header.workspace)}", but SECODA_API_URL is "${expect.secodaApi}"`);
  }
  if (header.orgApi !== expect.orgApi) {
    return fail(`the plan was made for the org API "${String(header.orgApi)}", but ORG_API_URL is "${expect.orgApi}"`);
  }
  if (!Array.isArray(doc.actions)) return fail(`not a plan file (no actions list); ${MAKE_ONE}`);
  const actions = doc.actions.map((a, i) => checkAction(a, i + 1, fail));
  const seen = new Set<string>();
  for (const [i, a] of actions.entries()) {
    const id = actionIdentity(a);
    if (seen.has(id)) fail(`action #${i + 1} (${a.type} ${a.email}) is listed twice`);
    seen.add(id);
  }
  return { runId: doc.runId, createdAt, actions };
}

/** An action as the report writes it; extra fields are kept (they are identity: a forged one only turns stale). */
function checkAction(a: unknown, n: number, fail: (why: string) => never): ReviewedAction {
  if (!isObject(a)) return fail(`action #${n} is not an object`);
  if (typeof a.type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(a.type)) {
    return fail(`action #${n} has type ${JSON.stringify(a.type)}, not one of ${ACTION_TYPES.join(', ')}`);
  }
  if (typeof a.email !== 'string' || a.email.trim() === '') return fail(`action #${n} (${a.type}) has no email`);
  for (const field of ['secodaId', 'from', 'to'] as const) {
    if (a[field] !== undefined && typeof a[field] !== 'string') return fail(`action #${n} (${a.type} ${a.email}): ${field} must be a string`);
  }
  return a as ReviewedAction;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
