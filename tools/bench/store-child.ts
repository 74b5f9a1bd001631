/**
 * Benchmark child: the snapshot store on n users, in a process of its own.
 * Prints one JSON line.
 *
 *   node build/tools/bench/store-child.js <n> <postgres-url | pglite-dir>
 */
import { openStore } from '../../src/store/index.js';
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import { orgUsers, secodaUsers } from './data.js';

export interface StoreChildResult {
  n: number;
  kind: 'pglite' | 'postgres';
  /** Open + migrations of a fresh database. */
  openMs: number;
  /** replaceSecodaSnapshot into an empty table. */
  firstSnapshotMs: number;
  /** replaceSecodaSnapshot over n existing rows (what every run after the first does). */
  replaceSnapshotMs: number;
  saveOrgSnapshotMs: number;
  addActionsMs: number;
  /** Rows read back from the snapshot (a check). */
  rows: number;
}

const n = Number(process.argv[2]);
const where = process.argv[3] ?? '';
if (!Number.isInteger(n) || n < 1 || !where) {
  process.stderr.write('usage: store-child <n> <postgres-url | pglite-dir>\n');
  process.exit(2);
}
const isPg = /^postgres(ql)?:\/\//i.test(where);

const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

const t0 = performance.now();
const store = await openStore(isPg ? { databaseUrl: where, dataDir: '' } : { dataDir: where });
const openMs = performance.now() - t0;
try {
  const users = secodaUsersToMembers(secodaUsers(n));
  const firstSnapshotMs = await time(() => store.replaceSecodaSnapshot(users));
  // Every later run replaces a full snapshot: same ids, some roles changed.
  const again = users.map((u, i) => (i % 10 === 0 ? { ...u, role: u.role === 'viewer' ? 'editor' : 'viewer' } : u));
  const replaceSnapshotMs = await time(() => store.replaceSecodaSnapshot(again));
  const runId = await store.createRun('apply');
  const saveOrgSnapshotMs = await time(() => store.saveOrgSnapshot(runId, orgUsers(n)));
  const addActionsMs = await time(() =>
    store.addActions(runId, users.map((u, seq) => ({
      seq, type: 'update_role' as const, email: u.email, name: u.name, secodaId: u.id ?? null,
      fromRole: u.role ?? '', toRole: 'editor', status: 'planned' as const,
    }))),
  );
  const rows = (await store.listSecodaSnapshot()).length;
  const result: StoreChildResult = {
    n, kind: store.kind, openMs, firstSnapshotMs, replaceSnapshotMs, saveOrgSnapshotMs, addActionsMs, rows,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await store.close();
}
