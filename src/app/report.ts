/**
 * The run report: one shape for reconcile's output and for `report`, built
 * from what the database holds so both always print the same thing.
 */
import type { ActionDetail, ActionRecord, ActionStatus, ActionType, RunMode, RunRecord, RunStatus, RunSummary, SecodaReadRecord } from '../store/types.js';
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
  /** update_name: the name Secoda had (`name` is the new one). */
  fromName?: string;
  /** invite: the groups the member is invited into (GROUP_MAP). */
  groups?: string[];
  /** group: one group's write — `email`/`name` are the group's name. Emails added and removed; withheld removals stay. */
  group?: { name: string; id?: string; created: boolean; members: number; added: string[]; removed: string[]; withheldRemovals: string[] };
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
    // Runs recorded before DELETE_AFTER, names and groups existed lack their counts: zero.
    summary: run.summary
      ? { update_name: 0, group: 0, group_added: 0, group_removed: 0, ...run.summary, deferred: run.summary.deferred ?? 0 }
      : summarise(ordered, 0, run.skipped.length),
    actions: ordered.map(toReportAction),
    skipped: run.skipped,
    holds: run.holds,
    notes: run.notes,
    ...(run.secodaRead ? { secodaRead: run.secodaRead } : {}),
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

/** An action as summarise needs it: from the plan (group) or the database (detail.group). */
type Summarised = Pick<ActionRecord, 'type' | 'status'> & { group?: { added: unknown[]; removed: unknown[] }; detail?: ActionRecord['detail'] };

export function summarise(actions: readonly Summarised[], unchanged: number, skipped: number): RunSummary {
  const summary = { ...EMPTY_SUMMARY, update_name: 0, group: 0, group_added: 0, group_removed: 0, unchanged, skipped } satisfies RunSummary as RunSummary & Required<Pick<RunSummary, 'update_name' | 'group' | 'group_added' | 'group_removed'>>;
  for (const a of actions) {
    // A superseded action was replaced by its re-plan (counted instead) or by nothing.
    if (a.status === 'superseded') continue;
    // Stale (only in a plan file) and skipped (undo) actions are not the run's to make: counted apart.
    if (a.status === 'stale') summary.stale = (summary.stale ?? 0) + 1;
    else if (a.status === 'skipped') summary.skipped++;
    else summary[a.type]++;
    const group = a.group ?? a.detail?.group;
    if (group && a.status !== 'withheld' && a.status !== 'not_reviewed' && a.status !== 'stale') {
      summary.group_added += group.added.length;
      summary.group_removed += group.removed.length;
    }
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
    ...(a.detail?.fromName !== undefined ? { fromName: a.detail.fromName } : {}),
    ...(a.detail?.groups?.length ? { groups: a.detail.groups } : {}),
    ...(a.detail?.group ? { group: groupOf(a.detail.group, a.secodaId) } : {}),
  };
}

function groupOf(g: NonNullable<ActionDetail['group']>, id: string | null): NonNullable<ReportAction['group']> {
  const emails = (list: readonly { email: string }[]) => list.map((p) => p.email);
  const groupId = id ?? g.id;
  return {
    name: g.name, ...(groupId ? { id: groupId } : {}), created: g.id === undefined, members: g.memberIds.length,
    added: emails(g.added), removed: emails(g.removed), withheldRemovals: emails(g.withheldRemovals),
  };
}

/** Exit code of a finished run: 0 done, 1 failed, 3 held (destructive actions withheld). */
export function exitCodeOf(status: RunStatus): 0 | 1 | 3 {
  if (status === 'succeeded') return 0;
  if (status === 'held') return 3;
  return 1;
}
