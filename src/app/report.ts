/**
 * The run report: one shape for reconcile's output and for `report`, built
 * from what the database holds so both always print the same thing.
 */
import type { ActionRecord, ActionStatus, ActionType, RunMode, RunRecord, RunStatus, RunSummary, SecodaReadRecord } from '../store/types.js';

export interface ReportAction {
  type: ActionType;
  email: string;
  name?: string;
  secodaId?: string;
  from?: string;
  to?: string;
  status: ActionStatus;
  error?: string;
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
  /**
   * How Secoda was read: its whole list, or the snapshot (how old, and why),
   * and how many users' live records were confirmed before a write, re-planned, found gone.
   * Absent for runs that failed before reading Secoda, and runs of older versions.
   */
  secodaRead?: SecodaReadRecord;
  error?: string;
}

const EMPTY_SUMMARY: RunSummary = { invite: 0, update_role: 0, delete: 0, unchanged: 0, skipped: 0, failed: 0, withheld: 0 };

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
    summary: run.summary ?? summarise(ordered, 0, run.skipped.length),
    actions: ordered.map(toReportAction),
    skipped: run.skipped,
    holds: run.holds,
    notes: run.notes,
    ...(run.secodaRead ? { secodaRead: run.secodaRead } : {}),
    ...(run.error ? { error: run.error } : {}),
  };
}

export function summarise(actions: readonly Pick<ActionRecord, 'type' | 'status'>[], unchanged: number, skipped: number): RunSummary {
  const summary = { ...EMPTY_SUMMARY, unchanged, skipped };
  for (const a of actions) {
    // A superseded action was replaced by its re-plan (counted instead) or by nothing.
    if (a.status === 'superseded') continue;
    summary[a.type]++;
    if (a.status === 'failed') summary.failed++;
    if (a.status === 'withheld') summary.withheld++;
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
  };
}

/** Exit code of a finished run: 0 done, 1 failed, 3 held (destructive actions withheld). */
export function exitCodeOf(status: RunStatus): 0 | 1 | 3 {
  if (status === 'succeeded') return 0;
  if (status === 'held') return 3;
  return 1;
}
