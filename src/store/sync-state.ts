/**
 * The state that outlives a run and that every process sharing the database
 * must see alike: DELETE_AFTER's "missing since" clock, the pause, and what
 * the alert webhook was last told (schema.ts: missing_members, pauses,
 * alert_state). Runs write the first and last under the run lock; pause and
 * resume may come from any process at any time, so they are single
 * statements that the partial unique index keeps to one open pause.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { alertState, missingMembers, pauses } from './schema.js';
import { inStatements, jsonParam, rowsOf, type Db } from './sql.js';
import type { AlertState, MissingMember, PauseRecord } from './types.js';

const ALERT_ROW = 'webhook';

export async function listMissing(db: Db): Promise<MissingMember[]> {
  const rows = await db.select().from(missingMembers).orderBy(asc(missingMembers.key));
  return rows.map((r) => ({ key: r.key, email: r.email, since: r.since, sinceRun: Number(r.sinceRun), lastRun: Number(r.lastRun) }));
}

export async function recordMissing(db: Db, runId: number, observedAt: Date, missing: readonly { key: string; email: string }[]): Promise<void> {
  const byKey = new Map(missing.map((m) => [m.key, m]));
  await db.transaction(async (tx) => {
    const existing = await tx.select({ key: missingMembers.key }).from(missingMembers);
    // Back in the source, or no longer in Secoda: the clock resets.
    const back = existing.map((r) => r.key).filter((k) => !byKey.has(k));
    await inStatements(back, (chunk) => tx.delete(missingMembers).where(inArray(missingMembers.key, chunk)));
    const values = [...byKey.values()].map((m) => ({ key: m.key, email: m.email }));
    // Still missing: keeps its `since`; newly missing: starts now.
    await inStatements(values, (chunk) => tx.execute(sql`
      insert into ${missingMembers} (key, email, since, since_run, last_run)
      select r.key, r.email, ${observedAt.toISOString()}::timestamptz, ${runId}::int, ${runId}::int
      from json_to_recordset(${jsonParam(chunk)}) as r(key text, email text)
      on conflict (key) do update set email = excluded.email, last_run = excluded.last_run`));
  });
}

type PauseRow = typeof pauses.$inferSelect;

function toPause(r: PauseRow): PauseRecord {
  return {
    id: Number(r.id), reason: r.reason, by: r.pausedBy, since: r.pausedAt,
    resumedBy: r.resumedBy ?? null, resumedAt: r.resumedAt ?? null,
  };
}

export async function currentPause(db: Db): Promise<PauseRecord | null> {
  const [row] = await db.select().from(pauses).where(isNull(pauses.resumedAt)).limit(1);
  return row ? toPause(row) : null;
}

export async function pause(db: Db, reason: string, by: string, at: Date = new Date()): Promise<{ pause: PauseRecord; created: boolean }> {
  // Two `pause` commands at once: the unique index admits one; the other finds it open.
  const rows = rowsOf(await db.execute(sql`
    insert into ${pauses} (reason, paused_by, paused_at)
    values (${reason}, ${by}, ${at.toISOString()}::timestamptz)
    on conflict (scope) where resumed_at is null do nothing
    returning id`));
  const open = await currentPause(db);
  if (!open) throw new Error('the pause was not recorded');
  return { pause: open, created: rows.length > 0 };
}

export async function resume(db: Db, by: string, at: Date = new Date()): Promise<PauseRecord | null> {
  const rows = await db
    .update(pauses)
    .set({ resumedBy: by, resumedAt: at })
    .where(and(eq(pauses.scope, 'sync'), isNull(pauses.resumedAt)))
    .returning();
  return rows[0] ? toPause(rows[0]) : null;
}

export async function getAlertState(db: Db): Promise<AlertState | null> {
  const [r] = await db.select().from(alertState).where(eq(alertState.id, ALERT_ROW));
  if (!r) return null;
  return {
    condition: r.condition as AlertState['condition'], cause: r.cause ?? null, since: r.since,
    sinceRun: r.sinceRun ?? null, lastPostedAt: r.lastPostedAt ?? null, lastRun: r.lastRun ?? null, runs: r.runs,
  };
}

export async function saveAlertState(db: Db, s: AlertState): Promise<void> {
  const values = {
    condition: s.condition, cause: s.cause, since: s.since, sinceRun: s.sinceRun,
    lastPostedAt: s.lastPostedAt, lastRun: s.lastRun, runs: s.runs,
  };
  await db.insert(alertState).values({ id: ALERT_ROW, ...values }).onConflictDoUpdate({ target: alertState.id, set: values });
}
