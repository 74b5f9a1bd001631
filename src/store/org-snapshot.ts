/**
 * The org snapshot of each run, stored by version (schema.ts: org_snapshots,
 * org_members). Most pulls equal an earlier one: the hash of the sorted
 * records finds it, and the run points to it without writing a row. A pull
 * that differs becomes a new version that closes the records gone and adds
 * the records new — a handful of rows, not a copy of the org.
 *
 * Saving and pruning take a transaction-level advisory lock, so two of them
 * never interleave (they already run under the run lock; this is the belt).
 */
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { SourceUser } from '../core/member.js';
import { orgMembers, orgSnapshots, runs } from './schema.js';
import { inStatements, jsonParam, rowsOf, type Db } from './sql.js';

/** Key of the transaction-level lock around saving and pruning org snapshots. */
export const ORG_SNAPSHOT_LOCK_KEY = 0x5ec0da_0002;

interface Keyed {
  key: string;
  user: SourceUser;
  copy: number;
}

/**
 * The pull in canonical order: each record's line (the JSON of its fields)
 * and the records' indexes sorted by line. Lines and indexes only: the keyed
 * records (keyed, below) are made one at a time as they are used, and the hash
 * reads them without joining 100k keys into one string — on a 100k-user run
 * those copies were ~30 MB of short-lived heap that V8 kept until its next
 * full collection.
 */
interface Canonical {
  users: readonly SourceUser[];
  lines: string[];
  order: number[];
}

function canonical(users: readonly SourceUser[]): Canonical {
  const lines = users.map((user) => JSON.stringify([user.id, user.email, user.name, user.roles]));
  const order = Array.from(lines.keys()).sort((a, b) => (lines[a]! < lines[b]! ? -1 : lines[a]! > lines[b]! ? 1 : 0));
  return { users, lines, order };
}

/** Each record's key (its line, with its copy number: the source may list one twice), in canonical order. */
function* keyed({ users, lines, order }: Canonical): Generator<Keyed> {
  let copy = 0;
  for (let i = 0; i < order.length; i++) {
    const line = lines[order[i]!]!;
    copy = i > 0 && lines[order[i - 1]!] === line ? copy + 1 : 0;
    yield { key: `${copy}:${line}`, user: users[order[i]!]!, copy };
  }
}

/** sha256 of the keys joined by newlines, fed a thousand keys at a time. */
function hashOf(records: Canonical): string {
  const hash = createHash('sha256');
  let batch: string[] = [];
  let first = true;
  const flush = () => {
    hash.update(`${first ? '' : '\n'}${batch.join('\n')}`);
    first = false;
    batch = [];
  };
  for (const r of keyed(records)) {
    batch.push(r.key);
    if (batch.length === 1_000) flush();
  }
  if (batch.length > 0) flush();
  return hash.digest('hex');
}

/**
 * The hash a pull's version is found by: sha256 of the canonical keys joined
 * by newlines. Versions stored by earlier releases carry it too, so it must
 * not change.
 */
export const orgListHash = (users: readonly SourceUser[]): string => hashOf(canonical(users));

const keyOf = (r: { id: string; email: string; name: string; roles: string[]; copy: number }) =>
  `${r.copy}:${JSON.stringify([r.id, r.email, r.name, r.roles])}`;

/** Points the run at the version equal to `users`, storing a new version (its changes only) when there is none. */
export async function saveOrgSnapshot(db: Db, runId: number, users: readonly SourceUser[]): Promise<void> {
  const records = canonical(users);
  const hash = hashOf(records);
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ORG_SNAPSHOT_LOCK_KEY})`);
    const [known] = await tx.select({ version: orgSnapshots.version }).from(orgSnapshots)
      .where(eq(orgSnapshots.hash, hash)).orderBy(sql`${orgSnapshots.version} desc`).limit(1);
    let version = known?.version;
    if (version === undefined) version = await storeChanges(tx as unknown as Db, records, hash);
    await tx.update(runs).set({ orgSnapshot: version }).where(eq(runs.id, runId));
  });
}

/** Diffs `records` against the current rows (to_version null); returns the version that holds them. */
async function storeChanges(tx: Db, records: Canonical, hash: string): Promise<number> {
  const open = await tx.select({
    rowId: orgMembers.rowId, id: orgMembers.id, email: orgMembers.email, name: orgMembers.name, roles: orgMembers.roles, copy: orgMembers.copy,
  }).from(orgMembers).where(sql`${orgMembers.toVersion} is null`);
  const wanted = new Set<string>();
  for (const r of keyed(records)) wanted.add(r.key);
  const current = new Set<string>();
  const close: number[] = [];
  for (const row of open) {
    const key = keyOf(row);
    current.add(key);
    if (!wanted.has(key)) close.push(row.rowId);
  }
  const add = [...keyed(records)].filter((r) => !current.has(r.key));

  const [latest] = await tx.select({ version: orgSnapshots.version }).from(orgSnapshots).orderBy(sql`${orgSnapshots.version} desc`).limit(1);
  if (latest && close.length === 0 && add.length === 0) {
    // The current rows are this very list. They are the latest version's content unless a row
    // changed after it (its own version since pruned): then a new, empty-delta version says so.
    const after = rowsOf(await tx.execute(sql`
      select 1 from ${orgMembers} where ${orgMembers.fromVersion} > ${latest.version} or ${orgMembers.toVersion} > ${latest.version} limit 1`));
    if (after.length === 0) {
      await tx.update(orgSnapshots).set({ hash }).where(eq(orgSnapshots.version, latest.version));
      return latest.version;
    }
  }
  const [created] = await tx.insert(orgSnapshots).values({ hash, users: records.order.length }).returning({ version: orgSnapshots.version });
  const version = created!.version;
  await inStatements(close, (chunk) => tx.execute(sql`
    update ${orgMembers} set to_version = ${version}::int
    where row_id in (select value::int from json_array_elements_text(${jsonParam(chunk)}))`));
  const values = add.map((r) => ({ id: r.user.id, email: r.user.email, name: r.user.name, roles: r.user.roles, copy: r.copy }));
  await inStatements(values, (chunk) => tx.execute(sql`
    insert into ${orgMembers} (id, email, name, roles, copy, from_version)
    select r.id, r.email, r.name, r.roles, r.copy, ${version}::int
    from json_to_recordset(${jsonParam(chunk)}) as r(id text, email text, name text, roles text[], copy int)`));
  return version;
}

/** How many records the run pulled (0 when it stored no snapshot). */
export async function countOrgSnapshot(db: Db, runId: number): Promise<number> {
  const rows = await db.select({ users: orgSnapshots.users }).from(runs)
    .innerJoin(orgSnapshots, eq(orgSnapshots.version, runs.orgSnapshot)).where(eq(runs.id, runId));
  return rows[0]?.users ?? 0;
}

/** The run's org snapshot, sorted by record (not in pull order); [] when it stored none. */
export async function listOrgSnapshot(db: Db, runId: number): Promise<SourceUser[]> {
  const rows = rowsOf(await db.execute(sql`
    select m.id, m.email, m.name, m.roles from ${runs} r
    join ${orgMembers} m on m.from_version <= r.org_snapshot and (m.to_version is null or m.to_version > r.org_snapshot)
    where r.id = ${runId}
    order by m.id, m.email, m.name, m.copy, m.row_id`));
  return rows.map((r) => ({ id: String(r.id), email: String(r.email), name: String(r.name), roles: r.roles as string[] }));
}

/** Drops the versions no run points to, and the rows in no version a run points to. Call after deleting runs. */
export async function pruneOrgSnapshots(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ORG_SNAPSHOT_LOCK_KEY})`);
  await tx.execute(sql`
    delete from ${orgMembers} m where not exists (
      select 1 from ${runs} r
      where r.org_snapshot >= m.from_version and (m.to_version is null or r.org_snapshot < m.to_version))`);
  await tx.execute(sql`
    delete from ${orgSnapshots} s where not exists (select 1 from ${runs} r where r.org_snapshot = s.version)`);
}

/** What the org snapshots take: versions, record rows, and bytes on disk (tables, indexes, TOAST). */
export async function orgSnapshotSize(db: Db): Promise<{ versions: number; rows: number; bytes: number }> {
  const [row] = rowsOf(await db.execute(sql`
    select (select count(*) from ${orgSnapshots})::int as versions, (select count(*) from ${orgMembers})::int as rows,
      (pg_total_relation_size('org_snapshots') + pg_total_relation_size('org_members'))::text as bytes`));
  return { versions: Number(row?.versions ?? 0), rows: Number(row?.rows ?? 0), bytes: Number(row?.bytes ?? 0) };
}
