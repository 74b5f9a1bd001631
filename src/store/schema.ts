/**
 * The one pg-core schema, shared by PGlite and real Postgres.
 * `drizzle-kit generate` (drizzle.config.ts) turns it into the SQL in drizzle/.
 *
 * Only type imports here: drizzle-kit loads this file on its own.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ActionDetail, ActionStatus, ActionType, RunMode, RunStatus, RunSummary, SecodaReadRecord } from './types.js';

const tz = { withTimezone: true, mode: 'date' } as const;

export const runs = pgTable(
  'runs',
  {
    // integer identity: short ids are shown to users, and postgres.js returns bigint as string.
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    mode: text('mode').$type<RunMode>().notNull(),
    status: text('status').$type<RunStatus>().notNull(),
    startedAt: timestamp('started_at', tz).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', tz),
    sourceUsers: integer('source_users'),
    targetUsers: integer('target_users'),
    targetManaged: integer('target_managed'),
    summary: jsonb('summary').$type<RunSummary>(),
    holds: jsonb('holds').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    skipped: jsonb('skipped')
      .$type<{ email: string; reason: string }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** Things a reader of the report should know that are neither holds nor errors (how data was read, warnings). */
    notes: jsonb('notes').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    error: text('error'),
    /** How this run read Secoda: its whole list or the snapshot, why, the snapshot's time, what was confirmed live. */
    secodaRead: jsonb('secoda_read').$type<SecodaReadRecord>(),
    /** The org's user list this run pulled (org_snapshots.version); null when it read none. */
    orgSnapshot: integer('org_snapshot').references((): AnyPgColumn => orgSnapshots.version),
    /** SECODA_API_URL and ORG_API_URL of the run: a plan file names the workspace and org API it was made for. */
    secodaApi: text('secoda_api'),
    orgApi: text('org_api'),
    /**
     * apply-plan: the dry run that made the plan; undo: the run reversed.
     * Plain numbers, no foreign key: pruning the older run must not fail or rewrite this one's history.
     */
    planRun: integer('plan_run'),
    undoOf: integer('undo_of'),
  },
  (t) => [index('runs_status_idx').on(t.status), index('runs_started_at_idx').on(t.startedAt), index('runs_org_snapshot_idx').on(t.orgSnapshot)],
);

export const actions = pgTable(
  'actions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    type: text('type').$type<ActionType>().notNull(),
    email: text('email').notNull(),
    name: text('name'),
    secodaId: text('secoda_id'),
    fromRole: text('from_role'),
    toRole: text('to_role'),
    status: text('status').$type<ActionStatus>().notNull(),
    httpStatus: integer('http_status'),
    error: text('error'),
    /** Why the action was not done (undo: skipped, with the reason). */
    reason: text('reason'),
    attempts: integer('attempts').notNull().default(0),
    startedAt: timestamp('started_at', tz),
    finishedAt: timestamp('finished_at', tz),
    /** A `deferred` delete (DELETE_AFTER): when it becomes due. */
    dueAt: timestamp('due_at', tz),
    /** A rename's old name, an invite's groups, a group's change (ActionDetail); null for plain role actions. */
    detail: jsonb('detail').$type<ActionDetail>(),
  },
  // (run_id, seq): serves both "actions of a run" and their ordering.
  (t) => [index('actions_run_id_seq_idx').on(t.runId, t.seq)],
);

/** Last known Secoda state: its members, as the target port reads them. */
export const secodaUsers = pgTable('secoda_users', {
  id: text('id').primaryKey(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  pending: boolean('pending').notNull(),
  serviceAccount: boolean('service_account').notNull(),
  disabled: boolean('disabled').notNull(),
  updatedAt: timestamp('updated_at', tz).notNull().defaultNow(),
});

/**
 * The org's user lists, stored once per version: a run points to the version
 * it pulled, and a pull equal to a stored version (the hash of its sorted
 * content) adds nothing. A pull that differs adds one version and only the
 * records that changed (see org_members), so 10,000 users pulled every 15
 * minutes cost a few MB, not a copy per run.
 */
export const orgSnapshots = pgTable(
  'org_snapshots',
  {
    version: integer('version').primaryKey().generatedAlwaysAsIdentity(),
    /** sha256 of the sorted records; null for versions migrated from the per-run table (0002). */
    hash: text('hash'),
    users: integer('users').notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
  },
  (t) => [index('org_snapshots_hash_idx').on(t.hash)],
);

/**
 * The org's records across versions: a row belongs to every version from
 * `from_version` up to, not including, `to_version` (null: still current).
 * The source may list a record twice: `copy` numbers the copies (0, 1, ...).
 */
export const orgMembers = pgTable(
  'org_members',
  {
    rowId: integer('row_id').primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    roles: text('roles').array().notNull(),
    copy: integer('copy').notNull().default(0),
    fromVersion: integer('from_version').notNull(),
    toVersion: integer('to_version'),
  },
  (t) => [index('org_members_versions_idx').on(t.fromVersion, t.toVersion)],
);

/**
 * DELETE_AFTER's clock: the managed Secoda members the last planning run
 * found missing from the source, since when. Every run that plans (dry,
 * held and paused runs too) rewrites it: a member still missing keeps its
 * `since`, one back in the source (or gone from Secoda) loses its row, so
 * the clock resets. Kept apart from the run history so pruning old runs
 * never restarts a grace period.
 */
export const missingMembers = pgTable('missing_members', {
  /** Member key: the email trimmed and lower-cased. */
  key: text('key').primaryKey(),
  email: text('email').notNull(),
  since: timestamp('since', tz).notNull(),
  /** The run that first found the member missing (not a foreign key: runs are pruned). */
  sinceRun: integer('since_run').notNull(),
  lastRun: integer('last_run').notNull(),
});

/**
 * `pause` / `resume`, with their history: the open pause (resumed_at null) is
 * what every run, replica and one-shot alike, checks before writing. At most
 * one is open (the partial unique index on `scope`).
 */
export const pauses = pgTable(
  'pauses',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    scope: text('scope').notNull().default('sync'),
    reason: text('reason').notNull(),
    pausedBy: text('paused_by').notNull(),
    pausedAt: timestamp('paused_at', tz).notNull(),
    resumedBy: text('resumed_by'),
    resumedAt: timestamp('resumed_at', tz),
  },
  (t) => [uniqueIndex('pauses_open_idx').on(t.scope).where(sql`${t.resumedAt} is null`)],
);

/**
 * What the alert webhook was last told, so a lasting failure is posted when
 * it begins (or its cause changes), repeated at most every ALERT_REPEAT, and
 * recovery once — across restarts and whichever replica leads. One row.
 */
export const alertState = pgTable('alert_state', {
  id: text('id').primaryKey(),
  /** ok | problem | paused */
  condition: text('condition').notNull(),
  /** What makes a problem "the same one" (see daemon/alert-policy.ts); the pause's id when paused. */
  cause: text('cause'),
  /** When the condition began. */
  since: timestamp('since', tz).notNull(),
  /** The run that began it. */
  sinceRun: integer('since_run'),
  lastPostedAt: timestamp('last_posted_at', tz),
  lastRun: integer('last_run'),
  /** Runs seen in this condition (for "still failing: N runs"). */
  runs: integer('runs').notNull().default(0),
});

/**
 * Group memberships sent to members still pending (GROUP_MAP): Secoda may
 * list a pending member in a group only once they sign in. What was sent
 * counts as held while they stay pending, so it is not sent every run.
 */
export const groupSends = pgTable(
  'group_sends',
  {
    groupId: text('group_id').notNull(),
    memberId: text('member_id').notNull(),
    sentAt: timestamp('sent_at', tz).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.memberId] })],
);
