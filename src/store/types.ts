import type { SentMembership } from '../core/groups.js';
import type { Member, SourceUser } from '../core/member.js';
import type { GroupChange } from '../core/plan-groups.js';
import type { RunLock } from './run-lock.js';

export type { RunLock } from './run-lock.js';

/**
 * `apply-plan`: `apply PLAN_FILE`, a reviewed plan (runs.plan_run names the dry run that made it).
 * `undo` / `undo-dry-run`: `undo RUN_ID [--dry-run]` (runs.undo_of names the run it reverses).
 */
export type RunMode = 'dry-run' | 'apply' | 'apply-plan' | 'undo' | 'undo-dry-run';
/** running -> one of the final states. `abandoned` / `interrupted` are set by the daemon. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'held' | 'abandoned' | 'interrupted';
export type ActionType = 'invite' | 'update_role' | 'delete' | 'update_name' | 'group';
/** Every action type, for checking what a plan file names. */
export const ACTION_TYPES: readonly ActionType[] = ['invite', 'update_role', 'delete', 'update_name', 'group'];
/**
 * `unknown`: the write was sent, but its outcome could not be recorded (the error says what is known).
 * `stale` / `not_reviewed` (apply PLAN_FILE): in the file but no longer planned / planned but not in the file; not applied.
 * `skipped` (undo): not reversed; `reason` says why.
 * `deferred`: a delete waiting out DELETE_AFTER (`dueAt` says until when); never sent.
 * `superseded`: not sent — the user's live record differed from the snapshot the action was planned on,
 * and the re-plan from the live record replaced it (the error says with what).
 */
export type ActionStatus = 'planned' | 'succeeded' | 'failed' | 'withheld' | 'unknown' | 'stale' | 'not_reviewed' | 'skipped' | 'deferred' | 'superseded';

export interface RunSummary {
  invite: number;
  update_role: number;
  delete: number;
  unchanged: number;
  skipped: number;
  failed: number;
  withheld: number;
  /** apply PLAN_FILE: actions of the file no longer planned / planned actions not in the file (absent on other runs). */
  stale?: number;
  not_reviewed?: number;
  /** Deletes waiting out DELETE_AFTER (absent from runs recorded before it existed). */
  deferred?: number;
  /** SYNC_NAMES renames (absent in runs recorded before it existed). */
  update_name?: number;
  /** GROUP_MAP: group writes, and the memberships they add and remove. */
  group?: number;
  group_added?: number;
  group_removed?: number;
}

/** What an action carries beyond one member's role (actions.detail). */
export interface ActionDetail {
  /** update_name: the name the target had. */
  fromName?: string;
  /** invite: the groups the member is invited into. */
  groups?: string[];
  /** group: the group's change (member lists and who is added / removed). */
  group?: GroupChange;
}

export interface RunRecord {
  id: number;
  mode: RunMode;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  sourceUsers: number | null;
  targetUsers: number | null;
  targetManaged: number | null;
  summary: RunSummary | null;
  holds: string[];
  skipped: { email: string; reason: string }[];
  /** Warnings and facts about how the run read its data (neither holds nor errors). */
  notes: string[];
  error: string | null;
  /** The APIs the run was made for (SECODA_API_URL, ORG_API_URL): a dry run's plan records them; null before they were kept. */
  secodaApi: string | null;
  orgApi: string | null;
  /** apply-plan: the dry run whose plan was applied. */
  planRun: number | null;
  /** undo: the run it reverses. */
  undoOf: number | null;
  /** How the run read Secoda (null: decided before this was recorded, or a run of an older version). */
  secodaRead: SecodaReadRecord | null;
}

/**
 * How a run read Secoda. `full`: the whole user list (the snapshot was
 * replaced by it); `snapshot`: planned against the snapshot, each written
 * user's live record confirmed first.
 */
export interface SecodaReadRecord {
  mode: 'full' | 'snapshot';
  /** Why, in words ("the snapshot is 2h old, older than SECODA_REFRESH 1h"). */
  reason: string;
  /** ISO time of the full read the snapshot comes from (for a full read: this run's). */
  snapshotAt: string | null;
  /** Age of the snapshot when the run planned, in seconds (0 for a full read). */
  snapshotAgeSeconds: number | null;
  /** Users whose live record was read before a write (GET /user/{id}). */
  confirmed: number;
  /** Of those, users whose live record differed from the snapshot and were re-planned from it. */
  replanned: number;
  /** Of those, users Secoda no longer had (404): dropped from the snapshot; a re-role is re-planned, a delete is done. */
  gone: number;
}

export interface ActionRecord {
  id: number;
  runId: number;
  seq: number;
  type: ActionType;
  email: string;
  name: string | null;
  secodaId: string | null;
  fromRole: string | null;
  toRole: string | null;
  status: ActionStatus;
  httpStatus: number | null;
  error: string | null;
  /** Why an action was not done (undo's skips), in words. */
  reason: string | null;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** A deferred delete: when it becomes due. */
  dueAt: Date | null;
  detail: ActionDetail | null;
}

export type NewAction = Pick<ActionRecord, 'seq' | 'type' | 'email' | 'name' | 'secodaId' | 'fromRole' | 'toRole' | 'status'> & {
  reason?: string | null;
  dueAt?: Date | null;
  detail?: ActionDetail | null;
};

export interface ActionOutcome {
  status: ActionStatus;
  secodaId?: string | null;
  httpStatus?: number | null;
  error?: string | null;
  attempts?: number;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

/** One write's outcome, as recordOutcomes takes it. */
export interface OutcomeRecord {
  actionId: number;
  outcome: ActionOutcome;
  /** What the Secoda snapshot learns from the write: the member as Secoda now has it, or the id of a user gone. */
  snapshot?: { upsert: Member } | { remove: string };
  /** Group memberships sent to pending members (as rememberSentMemberships), in order. */
  memberships?: readonly { groupId: string; memberIds: readonly string[]; replace: boolean }[];
}

/**
 * Everything the application needs from the database, and nothing else:
 * the SQL stays behind this interface.
 */
export interface Store {
  readonly kind: 'pglite' | 'postgres';
  createRun(mode: RunMode, startedAt?: Date): Promise<number>;
  /** Partial update of a run (final status, counts, holds, skipped, error, finish time). */
  updateRun(id: number, patch: Partial<Omit<RunRecord, 'id' | 'mode' | 'startedAt'>>): Promise<void>;
  getRun(id: number): Promise<RunRecord | null>;
  latestRun(): Promise<RunRecord | null>;
  listRuns(limit: number): Promise<RunRecord[]>;

  /** Inserts the run's plan in one batch; returns the new action ids in input order. */
  addActions(runId: number, actions: NewAction[]): Promise<number[]>;
  updateAction(id: number, outcome: ActionOutcome): Promise<void>;
  /**
   * The outcomes of many writes, in one transaction (all or none): the
   * snapshot's changes (the last word on a user wins), the memberships sent,
   * then the action rows. An action id that matches no action fails it.
   */
  recordOutcomes(list: readonly OutcomeRecord[]): Promise<void>;
  listActions(runId: number): Promise<ActionRecord[]>;

  /**
   * The org's users as pulled in this run. Stored once per distinct list: a
   * pull equal to an earlier one writes no row. Saving again replaces.
   */
  saveOrgSnapshot(runId: number, users: SourceUser[]): Promise<void>;
  countOrgSnapshot(runId: number): Promise<number>;
  /** The run's org snapshot, sorted by record (the pull order is not kept); [] when it stored none. */
  listOrgSnapshot(runId: number): Promise<SourceUser[]>;
  /** What all org snapshots take: versions, record rows, bytes on disk (for the benchmark and operators). */
  orgSnapshotSize(): Promise<{ versions: number; rows: number; bytes: number }>;

  /**
   * Makes the Secoda snapshot (last known Secoda state: its members, each with its id) exactly this list, in one
   * transaction; only the rows that differ are written (src/store/secoda-snapshot.ts). `onCompared` is called
   * once the stored rows are compared with the list, before the differences are written.
   */
  replaceSecodaSnapshot(members: readonly Member[], o?: { onCompared?: () => void }): Promise<void>;
  /** After a successful invite or re-role. */
  upsertSecodaUser(member: Member): Promise<void>;
  /** After a successful delete. */
  removeSecodaUser(id: string): Promise<void>;
  listSecodaSnapshot(): Promise<TargetSnapshotMember[]>;

  /**
   * Group memberships sent to pending members (GROUP_MAP): Secoda may not list
   * them in a group until they sign in, and they must not be sent every run.
   */
  listSentMemberships(): Promise<SentMembership[]>;
  /** After a group write (`replace`: the group's remembered members become these) or an invite into groups (added). */
  rememberSentMemberships(groupId: string, memberIds: readonly string[], options: { replace: boolean }): Promise<void>;
  forgetSentMemberships(list: readonly SentMembership[]): Promise<void>;

  /** Marks runs still `running` as `abandoned` (a killed process left them); returns how many. */
  markAbandonedRuns(): Promise<number>;
  /** Deletes runs (and their actions) that started before `before`, and the org snapshots no run left points to. */
  pruneRuns(before: Date): Promise<number>;

  /**
   * Takes the run lock (one reconcile at a time per database, across
   * processes); null when someone else holds it. `label` names the holder.
   */
  tryRunLock(label: string): Promise<RunLock | null>;
  /** Who holds the run lock, in words; null when it is free. */
  runLockHolder(): Promise<string | null>;
  /**
   * The daemon's leadership: held by one replica for as long as it lives, so
   * only that one schedules runs. (Runs themselves still take the run lock, so
   * a one-shot `reconcile` can go between the leader's runs.)
   */
  tryLeaderLock(label: string): Promise<RunLock | null>;
  leaderLockHolder(): Promise<string | null>;

  /** DELETE_AFTER: members found missing from the source by the last planning run, since when (store/sync-state.ts). */
  listMissing(): Promise<MissingMember[]>;
  /** Replaces the missing set with this run's: members still missing keep their `since`, new ones start at `observedAt`. */
  recordMissing(runId: number, observedAt: Date, missing: readonly { key: string; email: string }[]): Promise<void>;

  /** The open pause, or null when the sync is not paused. */
  currentPause(): Promise<PauseRecord | null>;
  /** Opens a pause; when one is open already, returns it unchanged (`created` false). */
  pause(reason: string, by: string, at?: Date): Promise<{ pause: PauseRecord; created: boolean }>;
  /** Closes the open pause; null when there was none. */
  resume(by: string, at?: Date): Promise<PauseRecord | null>;

  /** What the alert webhook was last told (null before the first alert decision). */
  getAlertState(): Promise<AlertState | null>;
  saveAlertState(state: AlertState): Promise<void>;

  /** true when the database answers. */
  ping(): Promise<boolean>;
  /**
   * Resolves, with why, once the database can never answer again in this process: the embedded
   * database's thread died. Never for a server, which a later connection may reach again.
   */
  readonly broken: Promise<string>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres:// URL: real Postgres via postgres.js. Unset: PGlite in dataDir. */
  databaseUrl?: string;
  /** Directory of the embedded PGlite database (created on first use). */
  dataDir: string;
}

/** A target member as the Secoda snapshot keeps it. */
export interface TargetSnapshotMember {
  id: string;
  email: string;
  /** Display name ("First Last"). */
  name: string;
  /** As the target listed it, lower-cased ('' when it had none). */
  role: string;
  pending: boolean;
  serviceAccount: boolean;
  disabled: boolean;
}

/** A managed member missing from the source (DELETE_AFTER's clock). */
export interface MissingMember {
  key: string;
  email: string;
  since: Date;
  sinceRun: number;
  lastRun: number;
}

export interface PauseRecord {
  id: number;
  reason: string;
  by: string;
  since: Date;
  resumedBy: string | null;
  resumedAt: Date | null;
}

/** The alert webhook's memory: the condition it last reported, and when. */
export interface AlertState {
  condition: 'ok' | 'problem' | 'paused';
  cause: string | null;
  since: Date;
  sinceRun: number | null;
  lastPostedAt: Date | null;
  lastRun: number | null;
  runs: number;
}
