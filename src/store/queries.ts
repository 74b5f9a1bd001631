/**
 * The Store over a drizzle pg database: the same queries serve PGlite and
 * postgres.js. Every error leaving here is a StoreError (see errors.ts).
 */
import { and, asc, count, desc, eq, lt, ne, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { OrgUser, SecodaUser } from '../core/member.js';
import { describeCause, StoreError } from './errors.js';
import { actions, orgUsers, runs, secodaUsers } from './schema.js';
import type { ActionOutcome, ActionRecord, NewAction, RunRecord, RunStatus, Store } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PgDatabase<PgQueryResultHKT, any>;

/**
 * Bind parameters allowed in one statement: the wire protocol counts them in
 * an Int16 (65535); postgres.js stops at 65534.
 */
export const MAX_BIND_PARAMS = 65_534;
/**
 * Rows per multi-row INSERT: as many as fit under MAX_BIND_PARAMS, capped.
 * Measured: 500 to 20000 rows per statement all take the same time (the cost
 * is building the SQL, per row), so the cap only bounds statement size.
 */
export const MAX_ROWS_PER_INSERT = 5_000;

export function rowsPerInsert(paramsPerRow: number): number {
  return Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_BIND_PARAMS / paramsPerRow)));
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

type RunRow = typeof runs.$inferSelect;
type ActionRow = typeof actions.$inferSelect;
type SecodaRow = typeof secodaUsers.$inferSelect;

export function toRunRecord(r: RunRow): RunRecord {
  return {
    id: Number(r.id),
    mode: r.mode,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt ?? null,
    sourceUsers: r.sourceUsers ?? null,
    targetUsers: r.targetUsers ?? null,
    targetManaged: r.targetManaged ?? null,
    summary: r.summary ?? null,
    holds: r.holds ?? [],
    skipped: r.skipped ?? [],
    error: r.error ?? null,
  };
}

export function toActionRecord(r: ActionRow): ActionRecord {
  return {
    id: Number(r.id),
    runId: Number(r.runId),
    seq: r.seq,
    type: r.type,
    email: r.email,
    name: r.name ?? null,
    secodaId: r.secodaId ?? null,
    fromRole: r.fromRole ?? null,
    toRole: r.toRole ?? null,
    status: r.status,
    httpStatus: r.httpStatus ?? null,
    error: r.error ?? null,
    attempts: r.attempts,
    startedAt: r.startedAt ?? null,
    finishedAt: r.finishedAt ?? null,
  };
}

function toSecodaUser(r: SecodaRow): SecodaUser {
  return {
    id: r.id,
    first_name: r.firstName,
    last_name: r.lastName,
    email: r.email,
    role: r.role,
    pending: r.pending,
    is_service_account: r.isServiceAccount,
    disabled: r.disabled,
  };
}

function secodaValues(u: SecodaUser) {
  return {
    id: u.id,
    email: u.email,
    firstName: u.first_name,
    lastName: u.last_name,
    role: u.role,
    pending: u.pending,
    isServiceAccount: u.is_service_account,
    disabled: u.disabled,
  };
}

export interface QueryStoreOptions {
  kind: Store['kind'];
  /** Removes secrets (the database URL's password) from driver messages. */
  scrub: (text: string) => string;
  /** Releases the connection(s); called once. */
  close: () => Promise<void>;
}

export function createQueryStore(db: Db, opts: QueryStoreOptions): Omit<Store, 'tryRunLock' | 'runLockHolder' | 'tryLeaderLock' | 'leaderLockHolder'> {
  const { scrub } = opts;
  let closed = false;
  let closing: Promise<void> | undefined;

  /** Runs a store operation; any failure becomes a redacted StoreError without the driver's error attached. */
  async function op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreError(`store: ${name}: the store is closed`, 'E_STORE_CLOSED');
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const { message, code } = describeCause(err);
      throw new StoreError(`store: ${name} failed: ${scrub(message)}`, code);
    }
  }

  const store: Omit<Store, 'tryRunLock' | 'runLockHolder' | 'tryLeaderLock' | 'leaderLockHolder'> = {
    kind: opts.kind,

    createRun: (mode, startedAt) =>
      op('createRun', async () => {
        const [row] = await db
          .insert(runs)
          .values({ mode, status: 'running', ...(startedAt ? { startedAt } : {}) })
          .returning({ id: runs.id });
        return Number(row.id);
      }),

    updateRun: (id, patch) =>
      op('updateRun', async () => {
        const set: Partial<typeof runs.$inferInsert> = {};
        if (patch.status !== undefined) set.status = patch.status;
        if (patch.finishedAt !== undefined) set.finishedAt = patch.finishedAt;
        if (patch.sourceUsers !== undefined) set.sourceUsers = patch.sourceUsers;
        if (patch.targetUsers !== undefined) set.targetUsers = patch.targetUsers;
        if (patch.targetManaged !== undefined) set.targetManaged = patch.targetManaged;
        if (patch.summary !== undefined) set.summary = patch.summary;
        if (patch.holds !== undefined) set.holds = patch.holds;
        if (patch.skipped !== undefined) set.skipped = patch.skipped;
        if (patch.error !== undefined) set.error = patch.error;
        const rows =
          Object.keys(set).length === 0
            ? await db.select({ id: runs.id }).from(runs).where(eq(runs.id, id))
            : await db.update(runs).set(set).where(eq(runs.id, id)).returning({ id: runs.id });
        if (rows.length === 0) throw new StoreError(`store: updateRun: run ${id} not found`, 'E_NOT_FOUND');
      }),

    getRun: (id) =>
      op('getRun', async () => {
        const [row] = await db.select().from(runs).where(eq(runs.id, id));
        return row ? toRunRecord(row) : null;
      }),

    latestRun: () =>
      op('latestRun', async () => {
        const [row] = await db.select().from(runs).orderBy(desc(runs.id)).limit(1);
        return row ? toRunRecord(row) : null;
      }),

    listRuns: (limit) =>
      op('listRuns', async () => {
        const rows = await db
          .select()
          .from(runs)
          .orderBy(desc(runs.id))
          .limit(Math.max(0, Math.floor(limit)));
        return rows.map(toRunRecord);
      }),

    addActions: (runId, list) =>
      op('addActions', async () => {
        if (list.length === 0) return [];
        const values = list.map((a: NewAction) => ({
          runId,
          seq: a.seq,
          type: a.type,
          email: a.email,
          name: a.name ?? null,
          secodaId: a.secodaId ?? null,
          fromRole: a.fromRole ?? null,
          toRole: a.toRole ?? null,
          status: a.status,
        }));
        const ids: number[] = [];
        await db.transaction(async (tx) => {
          for (const chunk of chunks(values, rowsPerInsert(9))) {
            // RETURNING of a multi-row VALUES insert comes back in VALUES order on PostgreSQL.
            const rows = await tx.insert(actions).values(chunk).returning({ id: actions.id });
            for (const r of rows) ids.push(Number(r.id));
          }
        });
        return ids;
      }),

    updateAction: (id, o: ActionOutcome) =>
      op('updateAction', async () => {
        const set: Partial<typeof actions.$inferInsert> = { status: o.status };
        if (o.secodaId !== undefined) set.secodaId = o.secodaId;
        if (o.httpStatus !== undefined) set.httpStatus = o.httpStatus;
        if (o.error !== undefined) set.error = o.error;
        if (o.attempts !== undefined) set.attempts = o.attempts;
        if (o.startedAt !== undefined) set.startedAt = o.startedAt;
        if (o.finishedAt !== undefined) set.finishedAt = o.finishedAt;
        const rows = await db.update(actions).set(set).where(eq(actions.id, id)).returning({ id: actions.id });
        if (rows.length === 0) throw new StoreError(`store: updateAction: action ${id} not found`, 'E_NOT_FOUND');
      }),

    listActions: (runId) =>
      op('listActions', async () => {
        const rows = await db
          .select()
          .from(actions)
          .where(eq(actions.runId, runId))
          .orderBy(asc(actions.seq), asc(actions.id));
        return rows.map(toActionRecord);
      }),

    saveOrgSnapshot: (runId, users: OrgUser[]) =>
      op('saveOrgSnapshot', async () => {
        const values = users.map((u, position) => ({
          runId,
          position,
          id: u.id,
          email: u.email,
          name: u.name,
          roles: u.roles,
        }));
        await db.transaction(async (tx) => {
          // Saving again replaces the run's snapshot rather than failing on the key.
          await tx.delete(orgUsers).where(eq(orgUsers.runId, runId));
          for (const chunk of chunks(values, rowsPerInsert(6))) await tx.insert(orgUsers).values(chunk);
        });
      }),

    countOrgSnapshot: (runId) =>
      op('countOrgSnapshot', async () => {
        const [row] = await db.select({ n: count() }).from(orgUsers).where(eq(orgUsers.runId, runId));
        return Number(row?.n ?? 0);
      }),

    replaceSecodaSnapshot: (users) =>
      op('replaceSecodaSnapshot', async () => {
        // The API may list a user twice (pagination shifting under us): last one wins, not a key violation.
        const byId = new Map<string, ReturnType<typeof secodaValues>>();
        for (const u of users) byId.set(u.id, secodaValues(u));
        const values = [...byId.values()];
        await db.transaction(async (tx) => {
          await tx.delete(secodaUsers);
          for (const chunk of chunks(values, rowsPerInsert(8))) await tx.insert(secodaUsers).values(chunk);
        });
      }),

    upsertSecodaUser: (user) =>
      op('upsertSecodaUser', async () => {
        const v = secodaValues(user);
        const { id: _id, ...rest } = v;
        await db
          .insert(secodaUsers)
          .values(v)
          .onConflictDoUpdate({ target: secodaUsers.id, set: { ...rest, updatedAt: sql`now()` } });
      }),

    removeSecodaUser: (id) =>
      op('removeSecodaUser', async () => {
        await db.delete(secodaUsers).where(eq(secodaUsers.id, id));
      }),

    listSecodaSnapshot: () =>
      op('listSecodaSnapshot', async () => {
        const rows = await db.select().from(secodaUsers).orderBy(asc(secodaUsers.email), asc(secodaUsers.id));
        return rows.map(toSecodaUser);
      }),

    markAbandonedRuns: () =>
      op('markAbandonedRuns', async () => {
        const rows = await db
          .update(runs)
          .set({ status: 'abandoned' satisfies RunStatus, finishedAt: sql`coalesce(${runs.finishedAt}, now())` })
          .where(eq(runs.status, 'running'))
          .returning({ id: runs.id });
        return rows.length;
      }),

    pruneRuns: (before) =>
      op('pruneRuns', async () => {
        // A run still `running` belongs to a live process (or is marked abandoned first): never pulled from under it.
        const rows = await db
          .delete(runs)
          .where(and(lt(runs.startedAt, before), ne(runs.status, 'running')))
          .returning({ id: runs.id });
        return rows.length;
      }),

    ping: async () => {
      if (closed) return false;
      try {
        await db.execute(sql`select 1`);
        return true;
      } catch {
        return false;
      }
    },

    close: () => {
      closed = true;
      closing ??= opts.close();
      return closing;
    },
  };
  return store;
}
