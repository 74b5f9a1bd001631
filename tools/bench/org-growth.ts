/**
 * Benchmark scenario: how much the org snapshots take after 90 days of a
 * daemon run every 15 minutes on a 10,000-user org (8,640 runs), from a
 * day (or, quick, a few hours) of runs extrapolated. Target < 200 MB; one
 * full copy per run, as before migration 0002, would take ~8,640 copies.
 */
import { freshDb, runChild } from './harness.js';
import type { OrgGrowthResult } from './org-growth-child.js';

const RUNS_90_DAYS = 96 * 90;
const TARGET_BYTES = 200 * 1024 * 1024;

export interface GrowthRow {
  scenario: string;
  measured: string;
  bound: string;
  ratio: string;
  met: boolean | null;
  details: string;
}

export async function orgSnapshotGrowth(opts: { serverUrl: string | undefined; users: number; runs: number; changeEvery: number; workDir: string }): Promise<GrowthRow> {
  const db = await freshDb(opts.serverUrl);
  try {
    const r = await runChild<OrgGrowthResult>('org-growth-child', [String(opts.users), String(opts.runs), String(opts.changeEvery), db.target], opts.workDir);
    // Sizes grow by whole pages, too coarse over a day of runs: extrapolate tuples instead. Each run
    // after the first writes what the measured ones wrote on average (rows added, and rows closed,
    // whose old versions stay until vacuumed), each costing what a row of the first copy costs.
    const perTuple = r.firstBytes / r.firstRows;
    const tuplesPerRun = (r.rows - r.firstRows + r.closedRows) / (r.runs - 1);
    const estimate = Math.max(r.bytes, perTuple * (r.firstRows + tuplesPerRun * (RUNS_90_DAYS - 1)));
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
    const users = opts.users.toLocaleString('en-US');
    return {
      scenario: `org snapshot: ${users} users × 96 runs/day × 90 days, the org changing every ${opts.changeEvery} runs (${r.kind === 'postgres' ? 'Postgres' : 'PGlite'})`,
      measured: `${mb(estimate)} (extrapolated)`,
      bound: '< 200 MB',
      ratio: (estimate / TARGET_BYTES).toFixed(2),
      met: estimate < TARGET_BYTES,
      details:
        `${r.runs} runs stored (${r.changedRuns} with a changed org: one leaver, one joiner, one role change each): ` +
        `${mb(r.bytes)} on disk (pg_total_relation_size of org_snapshots + org_members), ${r.versions} versions, ${r.rows.toLocaleString('en-US')} rows; ` +
        `after the first run ${mb(r.firstBytes)} (${r.firstRows.toLocaleString('en-US')} rows, ${perTuple.toFixed(0)} bytes each with the indexes), ` +
        `then ${tuplesPerRun.toFixed(2)} tuples written a run on average (${r.rows - r.firstRows} rows added, ${r.closedRows} closed), times ${RUNS_90_DAYS.toLocaleString('en-US')} runs; ` +
        `a full copy per run would take about ${(r.firstBytes * RUNS_90_DAYS / 1024 ** 3).toFixed(1)} GB (${(opts.users * RUNS_90_DAYS / 1e6).toFixed(0)}M rows). ` +
        `saveOrgSnapshot: median ${r.unchangedMs.toFixed(0)} ms when unchanged, ${r.changedMs.toFixed(0)} ms when changed`,
    };
  } finally {
    await db.cleanup();
  }
}
