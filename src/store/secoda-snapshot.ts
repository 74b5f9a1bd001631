/**
 * Writes to the Secoda snapshot (secoda_users): the last known state of
 * Secoda's members.
 *
 * A full read of Secoda lists every member, but from one run to the next
 * almost none of them change. Rewriting 100,000 rows costs ~1.2 s of the
 * run's only thread on PGlite (and grows its heap); comparing costs a
 * fraction of that. So a full read is written as a difference
 * (syncSecodaSnapshot): the stored rows are read as text fingerprints, a
 * few thousand at a time, each compared with the new list as it comes, and
 * only the rows added, changed or gone are written. The stored snapshot ends
 * up exactly what replacing it would have left (tested against a full
 * replace).
 *
 * Why a few thousand at a time, not the whole table as one text value: on
 * PGlite that value is built inside the WASM heap (which never shrinks),
 * copied out as a protocol buffer (native memory), then decoded into one
 * large string — ~70 MB of peak RSS for 100,000 users, against ~1 MB a
 * chunk.
 */
import { sql } from 'drizzle-orm';
import type { Member } from '../core/member.js';
import type { TargetSnapshotMember } from './types.js';
import { StoreError } from './errors.js';
import { secodaUsers } from './schema.js';
import { inStatements, jsonParam, rowsOf, type Db } from './sql.js';

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
 * One row as text, built alike here and in SQL (storedChunks): strings
 * JSON-encoded (Postgres's to_json escapes exactly what JSON.stringify does;
 * and were they ever to differ, the row would only be rewritten, never
 * wrongly kept), flags as 0/1, separated by tabs, which JSON never leaves
 * unescaped — so equal text means equal rows. `idJson` is the JSON of the
 * member's id (the diff keys members by it).
 */
function fingerprint(idJson: string, m: Member): string {
  return `${idJson}\t${JSON.stringify(m.email)}\t${JSON.stringify(m.name)}\t${JSON.stringify(m.role ?? '')}\t${+(m.pending ?? false)}\t${+(m.serviceAccount ?? false)}\t${+(m.disabled ?? false)}`;
}

/**
 * Stored rows per fingerprint query: ~100 bytes a row, ~1 MB a chunk. 100k
 * rows: 10 queries. At 2,000 rows (50 queries) the 100k no-change pull's tail
 * after the last page took 1.6-1.75 s against 1.2 s at 10,000, with the same
 * peak RSS (bench `pull`, PGlite, back to back).
 */
const ROWS_PER_READ = 10_000;

/**
 * Every stored row's fingerprint, ROWS_PER_READ rows a chunk, in id order
 * (keyset on the primary key: each chunk starts after the last id of the one
 * before). Run it inside a transaction: the chunks are then one snapshot.
 */
async function* storedChunks(db: Db): AsyncGenerator<string[]> {
  let after: string | null = null;
  for (;;) {
    const [chunk] = rowsOf(await db.execute(sql`
      select coalesce(string_agg(line, E'\n'), '') as lines, max(id) as last, count(*)::int as rows from (
        select id, concat_ws(E'\t', to_json(id), to_json(email), to_json(name), to_json(role),
          pending::int, service_account::int, disabled::int) as line
        from ${secodaUsers} ${after === null ? sql`` : sql`where id > ${after}`} order by id limit ${ROWS_PER_READ}) page`));
    const rows = Number(chunk?.rows ?? 0);
    if (rows === 0) return;
    yield String(chunk!.lines).split('\n');
    if (rows < ROWS_PER_READ) return;
    after = String(chunk!.last);
  }
}

/** One chunk's lines as rows. Tabs and newlines appear only between fields (JSON escapes them inside strings): one JSON array of arrays. */
function parseLines(lines: readonly string[]): TargetSnapshotMember[] {
  const rows = JSON.parse(`[[${lines.join('],[').replaceAll('\t', ',')}]]`) as [string, string, string, string, 0 | 1, 0 | 1, 0 | 1][];
  return rows.map(([id, email, name, role, pending, serviceAccount, disabled]) => ({
    id, email, name, role, pending: pending === 1, serviceAccount: serviceAccount === 1, disabled: disabled === 1,
  }));
}

/**
 * The stored snapshot, ordered by email then id (compared as JS strings, by
 * UTF-16 code unit: the same order on either backend, whatever the
 * database's collation). Read as text chunks and parsed here: PGlite turns
 * 100,000 result rows into objects in ~1.2 s, the same rows as text in
 * ~0.3 s (an incremental run reads the snapshot before its first page, on
 * its only thread).
 */
export async function listSecodaSnapshot(db: Db): Promise<TargetSnapshotMember[]> {
  const rows = await db.transaction(async (tx) => {
    const out: TargetSnapshotMember[] = [];
    for await (const lines of storedChunks(tx as unknown as Db)) {
      for (const row of parseLines(lines)) out.push(row);
    }
    return out;
  }, { isolationLevel: 'repeatable read', accessMode: 'read only' });
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort((a, b) => order(a.email, b.email) || order(a.id, b.id));
}

/**
 * Net changes to the snapshot: each id to its new row, or null when the user
 * is gone. Built in order, so the last word on an id wins.
 */
export type SnapshotChanges = Map<string, SnapshotRow | null>;

/**
 * Makes the stored snapshot equal to `members` (the whole list of a full
 * read), writing only what differs. The API may list a user twice
 * (pagination shifting under us): the last copy wins. `onCompared` is
 * called between the comparison and the writes (the run plans while a first
 * run's 20,000 rows are inserted, but not while 100,000 stored rows are read
 * and compared: the two at once raised that run's peak RSS by 50-70 MB).
 */
export async function syncSecodaSnapshot(db: Db, members: readonly Member[], o: { onCompared?: () => void } = {}): Promise<{ written: number }> {
  // By id (as JSON, the way a stored line starts), the last copy winning; rows are built only for what
  // changed (100k copies would be heap for nothing).
  const wanted = new Map<string, Member | null>();
  for (const m of members) {
    if (!m.id) snapshotRow(m); // throws: a member without an id
    wanted.set(JSON.stringify(m.id), m);
  }
  return db.transaction(async (tx) => {
    const changes: SnapshotChanges = new Map();
    let stored = 0;
    // Each stored row against the list: gone, changed or the same. What the list has left over is new.
    // A stored id encoded unlike JSON.stringify would be found gone and its member new: deleted, then
    // written again (changes keeps the last word on an id), never kept wrong.
    for await (const lines of storedChunks(tx as unknown as Db)) {
      for (const line of lines) {
        stored++;
        const idJson = line.slice(0, line.indexOf('\t'));
        const m = wanted.get(idJson);
        if (m === undefined) {
          changes.set(JSON.parse(idJson) as string, null);
          continue;
        }
        // Matched: marked, not deleted (deleting shrinks the map, a new table each time it halves).
        wanted.set(idJson, null);
        if (m && fingerprint(idJson, m) !== line) changes.set(m.id!, snapshotRow(m));
      }
    }
    // Into an empty table (a first full read): a plain insert, no conflict to look for. Otherwise new
    // rows are upserted like changed ones.
    const added: SnapshotRow[] = [];
    for (const m of wanted.values()) {
      if (!m) continue;
      const row = snapshotRow(m);
      if (stored === 0) added.push(row);
      else changes.set(row.id, row);
    }
    o.onCompared?.();
    await writeSnapshotChanges(tx as unknown as Db, changes);
    await insertRows(tx as unknown as Db, added);
    return { written: changes.size + added.length };
  });
}

/**
 * Applies net changes: the users gone are deleted, the rest inserted or
 * updated, each kind in statements of ROWS_PER_JSON_INSERT rows from one
 * JSON parameter, sent at once (see inStatements).
 */
export async function writeSnapshotChanges(db: Db, changes: SnapshotChanges): Promise<void> {
  const gone: string[] = [];
  const rows: SnapshotRow[] = [];
  for (const [id, row] of changes) {
    if (row) rows.push(row);
    else gone.push(id);
  }
  await inStatements(gone, (chunk) =>
    db.execute(sql`delete from ${secodaUsers} where id in (select value from json_array_elements_text(${jsonParam(chunk)}))`));
  await inStatements(rows, (chunk) => db.execute(sql`
    ${insertSql(chunk)}
    on conflict (id) do update set
      email = excluded.email, name = excluded.name, role = excluded.role, pending = excluded.pending,
      service_account = excluded.service_account, disabled = excluded.disabled, updated_at = now()`));
}

/** Rows into a table the caller found empty, in the same transaction. */
async function insertRows(db: Db, rows: readonly SnapshotRow[]): Promise<void> {
  await inStatements(rows, (chunk) => db.execute(insertSql(chunk)));
}

function insertSql(rows: readonly SnapshotRow[]) {
  return sql`
    insert into ${secodaUsers} (id, email, name, role, pending, service_account, disabled)
    select r.id, r.email, r.name, r.role, r.pending, r.service_account, r.disabled
    from json_to_recordset(${jsonParam(rows)}) as r(
      id text, email text, name text, role text, pending boolean, service_account boolean, disabled boolean)`;
}
