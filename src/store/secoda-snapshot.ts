/**
 * Writes to the Secoda snapshot (secoda_users): the last known state of
 * Secoda's members.
 *
 * A full read of Secoda lists every member, but from one run to the next
 * almost none of them change. Rewriting 100,000 rows costs ~1.2 s of the
 * run's only thread on PGlite (and grows its heap); comparing costs a
 * fraction of that. So a full read is written as a difference
 * (syncSecodaSnapshot): one query returns the stored rows as one text of
 * fingerprints, the new list is compared with it here, and only the rows
 * added, changed or gone are written. The stored snapshot ends up exactly
 * what replacing it would have left (tested against a full replace).
 */
import { sql } from 'drizzle-orm';
import type { Member } from '../core/member.js';
import type { TargetSnapshotMember } from './types.js';
import { StoreError } from './errors.js';
import { secodaUsers } from './schema.js';
import { chunks, jsonParam, rowsOf, yieldToEventLoop, ROWS_PER_JSON_INSERT, type Db } from './sql.js';

/** A snapshot row, in column names (what json_to_recordset reads). */
export interface SnapshotRow {
  id: string;
  email: string;
  name: string;
  role: string;
  pending: boolean;
  service_account: boolean;
  disabled: boolean;
}

/** A target member as a snapshot row; members always carry the target's id. */
export function snapshotRow(m: Member): SnapshotRow {
  if (!m.id) throw new StoreError(`store: a Secoda member without an id (${m.email || m.key})`, 'E_NO_ID');
  return {
    id: m.id,
    email: m.email,
    name: m.name,
    role: m.role ?? '',
    pending: m.pending ?? false,
    service_account: m.serviceAccount ?? false,
    disabled: m.disabled ?? false,
  };
}

/**
 * One row as text, built alike here and in SQL (fingerprintSql): strings
 * JSON-encoded (Postgres's to_json escapes exactly what JSON.stringify does;
 * and were they ever to differ, the row would only be rewritten, never
 * wrongly kept), flags as 0/1, separated by tabs, which JSON never leaves
 * unescaped — so equal text means equal rows.
 */
function fingerprint(r: SnapshotRow): string {
  return `${JSON.stringify(r.id)}\t${JSON.stringify(r.email)}\t${JSON.stringify(r.name)}\t${JSON.stringify(r.role)}\t${+r.pending}\t${+r.service_account}\t${+r.disabled}`;
}

/** Every stored row's fingerprint, one a line, as one text value; `ordered` by email, then id (listing needs it, diffing does not). */
const fingerprintSql = (ordered: boolean) => sql`
  select coalesce(string_agg(concat_ws(E'\t', to_json(id), to_json(email), to_json(name), to_json(role),
    pending::int, service_account::int, disabled::int), E'\n'${ordered ? sql` order by email, id` : sql``}), '') as fingerprints
  from ${secodaUsers}`;

/**
 * The stored snapshot, ordered by email then id. Read as one text value and
 * parsed here: PGlite turns 100,000 result rows into objects in ~1.2 s, one
 * value of 100,000 lines in ~0.3 s (an incremental run reads the snapshot
 * before its first page, on its only thread).
 */
export async function listSecodaSnapshot(db: Db): Promise<TargetSnapshotMember[]> {
  const [stored] = rowsOf(await db.execute(fingerprintSql(true)));
  const text = String(stored?.fingerprints ?? '');
  if (text === '') return [];
  // Tabs and newlines appear only between fields and rows (JSON escapes them inside strings): one JSON array of arrays.
  const rows = JSON.parse(`[[${text.replaceAll('\t', ',').replaceAll('\n', '],[')}]]`) as [string, string, string, string, 0 | 1, 0 | 1, 0 | 1][];
  return rows.map(([id, email, name, role, pending, serviceAccount, disabled]) => ({
    id, email, name, role, pending: pending === 1, serviceAccount: serviceAccount === 1, disabled: disabled === 1,
  }));
}

/**
 * Net changes to the snapshot: each id to its new row, or null when the user
 * is gone. Built in order, so the last word on an id wins.
 */
export type SnapshotChanges = Map<string, SnapshotRow | null>;

/**
 * Makes the stored snapshot equal to `members` (the whole list of a full
 * read), writing only what differs. The API may list a user twice
 * (pagination shifting under us): the last copy wins.
 */
export async function syncSecodaSnapshot(db: Db, members: readonly Member[]): Promise<{ written: number }> {
  // By id, the last copy winning; rows are built only for what changed (100k copies would be heap for nothing).
  const wanted = new Map<string, Member>();
  for (const m of members) {
    if (!m.id) snapshotRow(m); // throws: a member without an id
    wanted.set(m.id!, m);
  }
  return db.transaction(async (tx) => {
    const [stored] = rowsOf(await tx.execute(fingerprintSql(false)));
    const text = String(stored?.fingerprints ?? '');
    // id (JSON-encoded, up to the first tab) -> the stored row's fingerprint.
    const have = new Map<string, string>();
    if (text !== '') {
      for (const line of text.split('\n')) have.set(line.slice(0, line.indexOf('\t')), line);
    }
    const changes: SnapshotChanges = new Map();
    // Into an empty table (a first full read): a plain insert, no conflict to look for. Otherwise every
    // new or changed row is upserted, so an id whose encoding differed between here and SQL could only
    // be deleted and written again, never fail the write as a duplicate.
    const empty = have.size === 0;
    const added: SnapshotRow[] = [];
    for (const m of wanted.values()) {
      const row = snapshotRow(m);
      const key = JSON.stringify(row.id);
      if (empty) added.push(row);
      else if (have.get(key) !== fingerprint(row)) changes.set(row.id, row);
      have.delete(key);
    }
    for (const key of have.keys()) {
      const id = JSON.parse(key) as string;
      if (!wanted.has(id)) changes.set(id, null);
    }
    await writeSnapshotChanges(tx as unknown as Db, changes);
    await insertRows(tx as unknown as Db, added);
    return { written: changes.size + added.length };
  });
}

/**
 * Applies net changes: the users gone are deleted, the rest inserted or
 * updated, each kind in statements of ROWS_PER_JSON_INSERT rows from one
 * JSON parameter. Between statements the event loop runs (the HTTP
 * requests of the run go on while a large write is made).
 */
export async function writeSnapshotChanges(db: Db, changes: SnapshotChanges): Promise<void> {
  const gone: string[] = [];
  const rows: SnapshotRow[] = [];
  for (const [id, row] of changes) {
    if (row) rows.push(row);
    else gone.push(id);
  }
  for (const chunk of chunks(gone, ROWS_PER_JSON_INSERT)) {
    await db.execute(sql`delete from ${secodaUsers} where id in (select value from json_array_elements_text(${jsonParam(chunk)}))`);
    await yieldToEventLoop();
  }
  for (const chunk of chunks(rows, ROWS_PER_JSON_INSERT)) {
    await db.execute(sql`
      ${insertSql(chunk)}
      on conflict (id) do update set
        email = excluded.email, name = excluded.name, role = excluded.role, pending = excluded.pending,
        service_account = excluded.service_account, disabled = excluded.disabled, updated_at = now()`);
    await yieldToEventLoop();
  }
}

/** Rows into a table the caller found empty, in the same transaction. */
async function insertRows(db: Db, rows: readonly SnapshotRow[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_JSON_INSERT)) {
    await db.execute(insertSql(chunk));
    await yieldToEventLoop();
  }
}

function insertSql(rows: readonly SnapshotRow[]) {
  return sql`
    insert into ${secodaUsers} (id, email, name, role, pending, service_account, disabled)
    select r.id, r.email, r.name, r.role, r.pending, r.service_account, r.disabled
    from json_to_recordset(${jsonParam(rows)}) as r(
      id text, email text, name text, role text, pending boolean, service_account boolean, disabled boolean)`;
}
