/**
 * The one pg-core schema, shared by PGlite and real Postgres.
 * `drizzle-kit generate` (drizzle.config.ts) turns it into the SQL in drizzle/.
 *
 * Only type imports here: drizzle-kit loads this file on its own.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import type { ActionStatus, ActionType, RunMode, RunStatus, RunSummary } from './types.js';

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
  },
  (t) => [index('runs_status_idx').on(t.status), index('runs_started_at_idx').on(t.startedAt)],
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

/** Last known Secoda state. */
export const secodaUsers = pgTable('secoda_users', {
  id: text('id').primaryKey(),
  email: text('email').notNull(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  role: text('role').notNull(),
  pending: boolean('pending').notNull(),
  isServiceAccount: boolean('is_service_account').notNull(),
  disabled: boolean('disabled').notNull(),
  updatedAt: timestamp('updated_at', tz).notNull().defaultNow(),
});

/**
 * The org's users as pulled in one run. Duplicates are kept (the source may
 * send them), so the key is (run_id, position): the pull order.
 */
export const orgUsers = pgTable(
  'org_users',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    id: text('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    roles: text('roles').array().notNull(),
  },
  (t) => [primaryKey({ name: 'org_users_pkey', columns: [t.runId, t.position] })],
);
