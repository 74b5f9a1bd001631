/**
 * The Store over a drizzle pg database: the same queries serve PGlite and
 * postgres.js. Every error leaving here is a StoreError (see errors.ts).
 */
import { and, asc, desc, eq, lt, ne, sql } from 'drizzle-orm';
import { describeCause, StoreError } from './errors.js';
import { forgetSentMemberships, listSentMemberships, rememberSentMemberships } from './group-sends.js';
import { countOrgSnapshot, listOrgSnapshot, orgSnapshotSize, pruneOrgSnapshots, saveOrgSnapshot } from './org-snapshot.js';
import { actions, runs, secodaUsers } from './schema.js';
import * as syncState from './sync-state.js';
import { recordOutcomes, updateActions } from './outcomes.js';
import { listSecodaSnapshot, snapshotRow, syncSecodaSnapshot, writeSnapshotChanges } from './secoda-snapshot.js';
import { inStatements, jsonParam, rowsOf, type Db } from './sql.js';
import type { ActionOutcome, ActionRecord, NewAction, RunRecord, RunStatus, Store } from './types.js';

type RunRow = typeof runs.$inferSelect;
type ActionRow = typeof actions.$inferSelect;

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
    notes: r.notes ?? [],
    error: r.error ?? null,
    secodaApi: r.secodaApi ?? null,
    orgApi: r.orgApi ?? null,
    planRun: r.planRun ?? null,
    undoOf: r.undoOf ?? null,
    secodaRead: r.secodaRead ?? null,
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
    reason: r.reason ?? null,
    attempts: r.attempts,
    startedAt: r.startedAt ?? null,
    finishedAt: r.finishedAt ?? null,
    dueAt: r.dueAt ?? null,
    detail: r.detail ?? null,
  };
}

export interface QueryStoreOptions {
  kind: Store['kind'];
  /** Removes secrets (the database URL's password) from driver messages. */
  scrub: (text: string) => string;
  /** Releases the connection(s); called once. */
  close: () => Promise<void>;
  /** See Store.broken; default: never. */
  broken?: Promise<string>;
  /** Settles when the database can be asked (it may still be starting); every operation waits for it and fails with its error. */
  opened?: Promise<void>;
}

export function createQueryStore(db: Db, opts: QueryStoreOptions): Omit<Store, 'tryRunLock' | 'runLockHolder' | 'tryLeaderLock' | 'leaderLockHolder'> {
  const { scrub } = opts;
  let closed = false;
  let closing: Promise<void> | undefined;

  /** Runs a store operation; any failure becomes a redacted StoreError without the driver's error attached. */
  async function op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreError(`store: ${name}: the store is closed`, 'E_STORE_CLOSED');
    // A StoreError saying why the database could not open or migrate: each operation's answer, as is.
    if (opts.opened) await opts.opened;
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
    broken: opts.broken ?? new Promise<string>(() => {}),

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
        if (patch.notes !== undefined) set.notes = patch.notes;
        if (patch.error !== undefined) set.error = patch.error;
        if (patch.secodaApi !== undefined) set.secodaApi = patch.secodaApi;
        if (patch.orgApi !== undefined) set.orgApi = patch.orgApi;
        if (patch.planRun !== undefined) set.planRun = patch.planRun;
        if (patch.undoOf !== undefined) set.undoOf = patch.undoOf;
        if (patch.secodaRead !== undefined) set.secodaRead = patch.secodaRead;
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
        const values = list.map((a: NewAction, ord) => ({
          ord,
          seq: a.seq,
          type: a.type,
          email: a.email,
          name: a.name ?? null,
          secoda_id: a.secodaId ?? null,
          from_role: a.fromRole ?? null,
          to_role: a.toRole ?? null,
          status: a.status,
          reason: a.reason ?? null,
          due_at: a.dueAt ? a.dueAt.toISOString() : null,
          detail: a.detail ?? null,
        }));
        // Rows go in in input order (ORDER BY ord; the statements run in the order sent), so identity values
        // rise in input order.
        const inserted = await db.transaction((tx) => inStatements(values, async (chunk) => {
          const rows = rowsOf(await tx.execute(sql`
            insert into ${actions} (run_id, seq, type, email, name, secoda_id, from_role, to_role, status, reason, due_at, detail)
            select ${runId}::int, r.seq, r.type, r.email, r.name, r.secoda_id, r.from_role, r.to_role, r.status, r.reason, r.due_at, r.detail
            from json_to_recordset(${jsonParam(chunk)}) as r(
              ord int, seq int, type text, email text, name text, secoda_id text, from_role text, to_role text, status text, reason text, due_at timestamptz, detail jsonb)
            order by r.ord
            returning id`));
          const chunkIds = rows.map((r) => Number(r.id)).sort((x, y) => x - y);
          if (chunkIds.length !== chunk.length) throw new Error(`inserted ${chunkIds.length} of ${chunk.length} actions`);
          return chunkIds;
        }));
        return inserted.flat();
      }),

    // One definition of what an outcome sets, for one action or a batch (./outcomes.ts).
    updateAction: (id, o: ActionOutcome) => op('updateAction', () => updateActions(db, [{ id, outcome: o }])),

    recordOutcomes: (list) => op('recordOutcomes', () => recordOutcomes(db, list)),

    listActions: (runId) =>
      op('listActions', async () => {
        const rows = await db
          .select()
          .from(actions)
          .where(eq(actions.runId, runId))
          .orderBy(asc(actions.seq), asc(actions.id));
        return rows.map(toActionRecord);
      }),

    saveOrgSnapshot: (runId, users) => op('saveOrgSnapshot', () => saveOrgSnapshot(db, runId, users)),
    countOrgSnapshot: (runId) => op('countOrgSnapshot', () => countOrgSnapshot(db, runId)),
    listOrgSnapshot: (runId) => op('listOrgSnapshot', () => listOrgSnapshot(db, runId)),
    orgSnapshotSize: () => op('orgSnapshotSize', () => orgSnapshotSize(db)),

    // Written as a difference against the stored rows: src/store/secoda-snapshot.ts.
    replaceSecodaSnapshot: (users, o) => op('replaceSecodaSnapshot', async () => void (await syncSecodaSnapshot(db, users, o))),

    upsertSecodaUser: (user) =>
      op('upsertSecodaUser', async () => {
        const row = snapshotRow(user);
        await writeSnapshotChanges(db, new Map([[row.id, row]]));
      }),

    removeSecodaUser: (id) =>
      op('removeSecodaUser', async () => {
        await db.delete(secodaUsers).where(eq(secodaUsers.id, id));
      }),

    listSecodaSnapshot: () => op('listSecodaSnapshot', () => listSecodaSnapshot(db)),

    listSentMemberships: () => op('listSentMemberships', () => listSentMemberships(db)),
    rememberSentMemberships: (groupId, memberIds, o) =>
      op('rememberSentMemberships', () => rememberSentMemberships(db, groupId, memberIds, o.replace)),
    forgetSentMemberships: (list) => op('forgetSentMemberships', () => forgetSentMemberships(db, list)),

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
        return db.transaction(async (tx) => {
          const rows = await tx
            .delete(runs)
            .where(and(lt(runs.startedAt, before), ne(runs.status, 'running')))
            .returning({ id: runs.id });
          await pruneOrgSnapshots(tx as unknown as Db);
          return rows.length;
        });
      }),

    listMissing: () => op('listMissing', () => syncState.listMissing(db)),
    recordMissing: (runId, observedAt, missing) => op('recordMissing', () => syncState.recordMissing(db, runId, observedAt, missing)),
    currentPause: () => op('currentPause', () => syncState.currentPause(db)),
    pause: (reason, by, at) => op('pause', () => syncState.pause(db, reason, by, at)),
    resume: (by, at) => op('resume', () => syncState.resume(db, by, at)),
    getAlertState: () => op('getAlertState', () => syncState.getAlertState(db)),
    saveAlertState: (state) => op('saveAlertState', () => syncState.saveAlertState(db, state)),

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
