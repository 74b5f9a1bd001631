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
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import type { ActionStatus, ActionType, RunMode, RunStatus, RunSummary, SecodaReadRecord } from './types.js';

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
    attempts: integer('attempts').notNull().default(0),
    startedAt: timestamp('started_at', tz),
    finishedAt: timestamp('finished_at', tz),
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
