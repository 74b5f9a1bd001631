/**
 * Recording the outcomes of many writes at once (src/app/outcome-recorder.ts
 * batches them). Recorded one by one, each outcome cost two statements (the
 * snapshot row, the action row): on PGlite, where a statement runs on the
 * process's only thread, that was a third of a fast apply's CPU. A batch is
 * one transaction of a few statements whatever its size: the snapshot's net
 * changes, then every action row from one JSON parameter.
 */
import { sql } from 'drizzle-orm';
import { StoreError } from './errors.js';
import { rememberSentMemberships } from './group-sends.js';
import { actions } from './schema.js';
import { snapshotRow, writeSnapshotChanges, type SnapshotChanges } from './secoda-snapshot.js';
import { inStatements, jsonParam, rowsOf, type Db } from './sql.js';
import type { ActionOutcome, OutcomeRecord } from './types.js';

/** All of `list` or nothing, in one transaction (a failure leaves every row as it was). */
export async function recordOutcomes(db: Db, list: readonly OutcomeRecord[]): Promise<void> {
  if (list.length === 0) return;
  await db.transaction(async (tx) => {
    const changes: SnapshotChanges = new Map();
    for (const o of list) {
      if (!o.snapshot) continue;
      // A later outcome on the same user is the later state (a re-role, then a rename): the last set wins.
      if ('remove' in o.snapshot) changes.set(o.snapshot.remove, null);
      else {
        const row = snapshotRow(o.snapshot.upsert);
        changes.set(row.id, row);
      }
    }
    await writeSnapshotChanges(tx as unknown as Db, changes);
    for (const o of list) {
      for (const m of o.memberships ?? []) await rememberSentMemberships(tx as unknown as Db, m.groupId, m.memberIds, m.replace);
    }
    await updateActions(tx as unknown as Db, list.map((o) => ({ id: o.actionId, outcome: o.outcome })));
  });
}

/**
 * Sets each action's outcome, in statements of ROWS_PER_JSON_INSERT rows (inStatements). As
 * updateAction: only the fields an outcome carries are set (a field present
 * as null sets null); an id that matches no action fails the whole call.
 */
export async function updateActions(db: Db, list: readonly { id: number; outcome: ActionOutcome }[]): Promise<void> {
  const rows = list.map(({ id, outcome: o }) => ({
    id,
    status: o.status,
    ...(o.secodaId !== undefined ? { secodaId: o.secodaId } : {}),
    ...(o.httpStatus !== undefined ? { httpStatus: o.httpStatus } : {}),
    ...(o.error !== undefined ? { error: o.error } : {}),
    ...(o.attempts !== undefined ? { attempts: o.attempts } : {}),
    ...(o.startedAt !== undefined ? { startedAt: o.startedAt?.toISOString() ?? null } : {}),
    ...(o.finishedAt !== undefined ? { finishedAt: o.finishedAt?.toISOString() ?? null } : {}),
  }));
  await inStatements(rows, async (chunk) => {
    // `r.o -> 'key' is not null`: the key is present (a JSON null is still a value to set).
    const updated = rowsOf(await db.execute(sql`
      update ${actions} a set
        status = r.o ->> 'status',
        secoda_id = case when r.o -> 'secodaId' is not null then r.o ->> 'secodaId' else a.secoda_id end,
        http_status = case when r.o -> 'httpStatus' is not null then (r.o ->> 'httpStatus')::int else a.http_status end,
        error = case when r.o -> 'error' is not null then r.o ->> 'error' else a.error end,
        attempts = case when r.o -> 'attempts' is not null then (r.o ->> 'attempts')::int else a.attempts end,
        started_at = case when r.o -> 'startedAt' is not null then (r.o ->> 'startedAt')::timestamptz else a.started_at end,
        finished_at = case when r.o -> 'finishedAt' is not null then (r.o ->> 'finishedAt')::timestamptz else a.finished_at end
      from (select (e ->> 'id')::int as id, e as o from json_array_elements(${jsonParam(chunk)}) as e) r
      where a.id = r.id
      returning a.id`));
    if (updated.length !== new Set(chunk.map((r) => r.id)).size) {
      const found = new Set(updated.map((r) => Number(r.id)));
      const missing = chunk.filter((r) => !found.has(r.id)).map((r) => r.id);
      throw new StoreError(`store: updateActions: action(s) ${missing.slice(0, 5).join(', ')} not found`, 'E_NOT_FOUND');
    }
  });
}
