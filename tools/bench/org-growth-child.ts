/**
 * Benchmark child: the org snapshot's growth, in a process of its own.
 * `runs` runs each save the org's `n` users, as the daemon does every 15
 * minutes; every `changeEvery`-th run the org has changed a little (one
 * leaver, one joiner, one role change). Prints one JSON line.
 *
 *   node build/tools/bench/org-growth-child.js <n> <runs> <changeEvery> <postgres-url | pglite-dir>
 */
import type { SourceUser as OrgUser } from '../../src/core/member.js';
import { openStore } from '../../src/store/index.js';
import { orgUsers } from './data.js';

export interface OrgGrowthResult {
  kind: 'pglite' | 'postgres';
  runs: number;
  changedRuns: number;
  /** After the first run: what every run cost when each stored a full copy. */
  firstBytes: number;
  firstRows: number;
  /** Rows closed by the changes (an UPDATE: a dead tuple until vacuumed): the leaver's and the re-roled user's old row. */
  closedRows: number;
  bytes: number;
  rows: number;
  versions: number;
  /** Median saveOrgSnapshot time of the runs whose list had not changed / had. */
  unchangedMs: number;
  changedMs: number;
}

const [n, runs, changeEvery] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const where = process.argv[5] ?? '';
if (!(n > 0 && runs > 1 && changeEvery > 0) || !where) {
  process.stderr.write('usage: org-growth-child <n> <runs> <changeEvery> <postgres-url | pglite-dir>\n');
  process.exit(2);
}
const isPg = /^postgres(ql)?:\/\//i.test(where);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const store = await openStore(isPg ? { databaseUrl: where, dataDir: '' } : { dataDir: where });
try {
  let users: OrgUser[] = orgUsers(n);
  let firstBytes = 0;
  let firstRows = 0;
  const unchanged: number[] = [];
  const changed: number[] = [];
  for (let run = 0; run < runs; run++) {
    const change = run > 0 && run % changeEvery === 0;
    if (change) {
      const [leaver, ...rest] = users;
      void leaver;
      users = rest.map((u, i) => (i === run % rest.length ? { ...u, roles: u.roles[0] === 'admin' ? ['analyst'] : ['admin'] } : u));
      users.push({ id: `o-new-${run}`, email: `joiner${run}@bench.example`, name: `Joiner ${run}`, roles: ['analyst'] });
    }
    const id = await store.createRun('apply');
    const t0 = performance.now();
    await store.saveOrgSnapshot(id, users);
    (change ? changed : unchanged).push(performance.now() - t0);
    await store.updateRun(id, { status: 'succeeded', finishedAt: new Date() });
    if (run === 0) ({ bytes: firstBytes, rows: firstRows } = await store.orgSnapshotSize());
  }
  const size = await store.orgSnapshotSize();
  const result: OrgGrowthResult = {
    kind: store.kind, runs, changedRuns: changed.length, firstBytes, firstRows, closedRows: 2 * changed.length, bytes: size.bytes, rows: size.rows, versions: size.versions,
    unchangedMs: median(unchanged.slice(1)), changedMs: median(changed),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await store.close();
}
