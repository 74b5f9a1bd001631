/**
 * The run report: one shape for reconcile's output and for `report`, built
 * from what the database holds so both always print the same thing.
 */
import type { ActionRecord, ActionStatus, ActionType, RunMode, RunRecord, RunStatus, RunSummary } from '../store/types.js';
import { planHeaderOf, type PlanHeader } from './plan-file.js';

export interface ReportAction {
  type: ActionType;
  email: string;
  name?: string;
  secodaId?: string;
  from?: string;
  to?: string;
  status: ActionStatus;
  error?: string;
  /** Why it was not done (undo: skipped). */
  reason?: string;
  /** A deferred delete (DELETE_AFTER): when it becomes due (ISO time). */
  dueAt?: string;
}

export interface Report {
  runId: number;
  mode: RunMode;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  source: { users: number | null };
  target: { users: number | null; managed: number | null };
  summary: RunSummary;
  actions: ReportAction[];
  skipped: { email: string; reason: string }[];
  holds: string[];
  /** Warnings and how the data was read (e.g. roles read per user); empty when nothing to say. */
  notes: string[];
  error?: string;
  /**
   * A dry run's report is a plan: what `apply PLAN_FILE` checks (format
   * version, creation time, the workspace and org API it was made for).
   */
  plan?: PlanHeader;
  /** apply-plan: the dry run whose plan this run applied. */
  planRun?: number;
  /** undo: the run this one reverses. */
  undoOf?: number;
}

const EMPTY_SUMMARY: RunSummary = { invite: 0, update_role: 0, delete: 0, unchanged: 0, skipped: 0, failed: 0, withheld: 0, deferred: 0 };

export function buildReport(run: RunRecord, actions: readonly ActionRecord[]): Report {
  const ordered = [...actions].sort((a, b) => a.seq - b.seq);
  return {
    runId: run.id,
    mode: run.mode,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
    source: { users: run.sourceUsers },
    target: { users: run.targetUsers, managed: run.targetManaged },
    // Runs recorded before DELETE_AFTER existed have no `deferred` count: it was 0.
    summary: run.summary ? { ...run.summary, deferred: run.summary.deferred ?? 0 } : summarise(ordered, 0, run.skipped.length),
    actions: ordered.map(toReportAction),
    skipped: run.skipped,
    holds: run.holds,
    notes: run.notes,
    ...(run.error ? { error: run.error } : {}),
    ...(run.planRun !== null ? { planRun: run.planRun } : {}),
    ...(run.undoOf !== null ? { undoOf: run.undoOf } : {}),
    ...withPlan(run),
  };
}

function withPlan(run: RunRecord): { plan?: PlanHeader } {
  const plan = planHeaderOf(run);
  return plan ? { plan } : {};
}

export function summarise(actions: readonly Pick<ActionRecord, 'type' | 'status'>[], unchanged: number, skipped: number): RunSummary {
  const summary: RunSummary = { ...EMPTY_SUMMARY, unchanged, skipped };
  for (const a of actions) {
    // Stale (only in a plan file) and skipped (undo) actions are not the run's to make: counted apart.
    if (a.status === 'stale') summary.stale = (summary.stale ?? 0) + 1;
    else if (a.status === 'skipped') summary.skipped++;
    else summary[a.type]++;
    if (a.status === 'failed') summary.failed++;
    if (a.status === 'withheld') summary.withheld++;
    if (a.status === 'not_reviewed') summary.not_reviewed = (summary.not_reviewed ?? 0) + 1;
    if (a.status === 'deferred') summary.deferred = (summary.deferred ?? 0) + 1;
  }
  return summary;
}

function toReportAction(a: ActionRecord): ReportAction {
  return {
    type: a.type,
    email: a.email,
    ...(a.name ? { name: a.name } : {}),
    ...(a.secodaId ? { secodaId: a.secodaId } : {}),
    ...(a.fromRole ? { from: a.fromRole } : {}),
    ...(a.toRole ? { to: a.toRole } : {}),
    status: a.status,
    ...(a.error ? { error: a.error } : {}),
    ...(a.reason ? { reason: a.reason } : {}),
    ...(a.dueAt ? { dueAt: a.dueAt.toISOString() } : {}),
  };
}

/** Exit code of a finished run: 0 done, 1 failed, 3 held (destructive actions withheld). */
export function exitCodeOf(status: RunStatus): 0 | 1 | 3 {
  if (status === 'succeeded') return 0;
  if (status === 'held') return 3;
  return 1;
}
