/**
 * `npm run bench`: the built CLI (`node dist/cli.js reconcile`) against the
 * local simulators of both APIs (started here, in the bench process), with
 * set latencies and rate limits, on PGlite — or on real Postgres when
 * BENCH_DATABASE_URL is set (the bench creates and drops databases of its
 * own on that server). Prints one markdown table and writes it, with the
 * environment, to bench/RESULTS.md (the section of the backend used).
 *
 *   npm run bench                      full run (~7 min here)
 *   npm run bench -- --quick           smaller sizes, a smoke run (< 1 min); BENCH_QUICK=1 too
 *   --out FILE                         write the results there (quick runs write nothing by default)
 *   --check                            exit 1 when a target is missed
 *   --only plan,store,orgsnap,rate,margin,latency,resync,pull,changes,unknown    run some scenarios only
 *   BENCH_CLI_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"   node flags for each CLI child (profiling the runs measured)
 *   BENCH_PULL_FIRST_ORG=1             the full pull without a previous org snapshot (its first, 100k-row write included)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultMarginMs } from '../../src/http/gate.js';
import { startOrgSim, startSecodaSim, type OrgSim, type SecodaSim } from '../simulators/index.js';
import { makeWorld, type World, type WorldSpec } from './data.js';
import { benchDir, childEnv, cliPath, distDir, freshDb, repoRoot, log, runChild, runNode, type BenchDb } from './harness.js';
import { pathToFileURL } from 'node:url';
import { changesVsNaive, fullPull, noChangeResync, unknownLimit, type BenchContext } from './throughput.js';
import { environmentLine, fmtMb, fmtMs, fmtN, r2, renderDetails, renderTable, writeResults, type BenchRow } from './results.js';
import type { NaiveResult } from './naive.js';
import { orgSnapshotGrowth } from './org-growth.js';
import type { ApplyWindow } from './db-child.js';
import type { PlanChildResult } from './plan-child.js';
import type { StoreChildResult } from './store-child.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    out: { type: 'string' },
    check: { type: 'boolean' },
    only: { type: 'string' },
  },
});
const quick = Boolean(flags.quick) || process.env.BENCH_QUICK === '1';
const serverUrl = process.env.BENCH_DATABASE_URL || undefined;
const backend = serverUrl ? 'postgres' : 'pglite';
const only = flags.only ? new Set(flags.only.split(',').map((s) => s.trim())) : null;
const wanted = (name: string) => !only || only.has(name);

const SIZES = quick
  ? {
      plan: [1_000, 10_000],
      store: 10_000,
      orgsnap: { users: 2_000, runs: 12, changeEvery: 4 },
      rate: { unchanged: 30, reRole: 30, invite: 50, remove: 20 } satisfies WorldSpec,
      margin: 0,
      latency: { unchanged: 50, reRole: 50, invite: 70, remove: 30 } satisfies WorldSpec,
      resync: 1_000,
      pull: 2_000,
      changes: { unchanged: 900, reRole: 40, invite: 40, remove: 20 } satisfies WorldSpec,
      unknown: 400,
    }
  : {
      plan: [1_000, 10_000, 100_000],
      store: 100_000,
      orgsnap: { users: 10_000, runs: 96, changeEvery: 4 },
      rate: { unchanged: 500, reRole: 600, invite: 1_000, remove: 400 } satisfies WorldSpec,
      margin: 400,
      latency: { unchanged: 500, reRole: 300, invite: 500, remove: 200 } satisfies WorldSpec,
      resync: 40_000,
      pull: 100_000,
      changes: { unchanged: 18_000, reRole: 800, invite: 800, remove: 400 } satisfies WorldSpec,
      unknown: 12_000,
    };

const LATENCY_MS = 50;
const ORG_TOKEN = 'bench-org-token';
const SECODA_KEY = 'bench-secoda-key';
const workDir = mkdtempSync(join(tmpdir(), 'sus-bench-work-'));
const startLoad = loadavg().map((x) => x.toFixed(1)).join(' ');

// ---------------------------------------------------------------------------
// results

const rows: BenchRow[] = [];
const failures: string[] = [];

async function scenario(name: string, fn: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  const t0 = performance.now();
  log(`${name}: start`);
  try {
    await fn();
  } catch (err) {
    const message = (err as Error).stack ?? String(err);
    failures.push(`${name}: ${(err as Error).message}`);
    rows.push({ scenario: `${name} (failed)`, measured: 'error', bound: '', ratio: '', met: false, details: (err as Error).message });
    log(`${name}: FAILED ${message}`);
  }
  log(`${name}: done in ${fmtMs(performance.now() - t0)}`);
}

// ---------------------------------------------------------------------------
// simulators and the CLI

export interface Sims {
  org: OrgSim;
  secoda: SecodaSim;
  close(): Promise<void>;
}

export interface SimLimits {
  orgRate: { limit: number; windowMs: number } | null;
  readLimit: { limit: number; windowMs: number } | null;
  writeLimit: { limit: number; windowMs: number } | null;
  /** Both simulators' latency; default LATENCY_MS. */
  latencyMs?: number;
}

async function startSims(world: World, o: SimLimits): Promise<Sims> {
  const latencyMs = o.latencyMs ?? LATENCY_MS;
  const org = await startOrgSim({ token: ORG_TOKEN, rate: o.orgRate, latencyMs });
  const secoda = await startSecodaSim({
    apiKey: SECODA_KEY, readLimit: o.readLimit, writeLimit: o.writeLimit, latencyMs,
  });
  org.seed(world.org);
  secoda.seed(world.secoda);
  return { org, secoda, close: async () => void (await Promise.all([org.close(), secoda.close()])) };
}

export interface CliRun {
  wallMs: number;
  /** Peak RSS of the CLI process (bytes), when asked for. */
  peakRss?: number;
  spawnedAt: number;
  exitedAt: number;
  report: {
    runId: number;
    status: string;
    summary: Record<string, number>;
  };
}

async function reconcileCli(sims: Sims, db: BenchDb, extraEnv: Record<string, string>, o: { rss?: boolean } = {}): Promise<CliRun> {
  const rssFile = join(workDir, `rss-${Date.now()}`);
  const env = childEnv({
    ORG_API_URL: sims.org.url,
    ORG_API_TOKEN: ORG_TOKEN,
    SECODA_API_URL: sims.secoda.url,
    SECODA_API_KEY: SECODA_KEY,
    LOG_LEVEL: 'warn',
    MAX_DELETES: '1000000',
    MAX_DELETE_PERCENT: '100',
    MAX_DEMOTIONS: '1000000',
    MAX_DEMOTION_PERCENT: '100',
    ...db.env,
    ...extraEnv,
    ...(o.rss ? { BENCH_RSS_FILE: rssFile } : {}),
  });
  const probe = o.rss ? ['--import', pathToFileURL(join(benchDir, 'rss-probe.js')).href] : [];
  // BENCH_CLI_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): node flags for the CLI child only, to profile the run measured.
  const extraNodeArgs = (process.env.BENCH_CLI_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const r = await runNode(cliPath, ['reconcile', '--format', 'json'], env, workDir, [...probe, ...extraNodeArgs]);
  let report: CliRun['report'];
  try {
    report = JSON.parse(r.stdout) as CliRun['report'];
  } catch {
    throw new Error(`the CLI exited ${r.code} without a JSON report: ${r.stderr.trim().slice(-800)}`);
  }
  if (r.code !== 0 || report.status !== 'succeeded') {
    throw new Error(`the CLI exited ${r.code}, run ${report.status}: ${r.stderr.trim().slice(-800)}`);
  }
  const peakRss = o.rss ? Number(readFileSync(rssFile, 'utf8')) : undefined;
  return { wallMs: r.wallMs, spawnedAt: r.spawnedAt, exitedAt: r.exitedAt, report, ...(peakRss ? { peakRss } : {}) };
}

/**
 * A migrated database, as any run after the first finds it (the first run's set-up is a one-off);
 * with `snapshotUsers`, the Secoda snapshot a previous run left, and with `org` its org snapshot too.
 */
async function prepareDb(db: BenchDb, snapshotUsers = 0, o: { org?: boolean } = {}): Promise<void> {
  await runChild('db-child', ['prepare', db.target, String(snapshotUsers), ...(o.org ? ['org'] : [])], workDir);
}

export function requestCounts(sims: Sims) {
  const ok = (q: { status: number | string }) => typeof q.status === 'number' && q.status < 400;
  const is429 = (q: { status: number | string }) => q.status === 429;
  const orgGets = sims.org.requests.filter((q) => q.method === 'GET');
  const secodaGets = sims.secoda.requests.filter((q) => q.method === 'GET');
  const writes = sims.secoda.requests.filter((q) => q.method !== 'GET');
  const throttled = {
    org: orgGets.filter(is429).length,
    secodaReads: secodaGets.filter(is429).length,
    secodaWrites: writes.filter(is429).length,
  };
  const retryAfterS = [...sims.org.requests, ...sims.secoda.requests]
    .filter(is429)
    .reduce((sum, q) => sum + (Number(q.retryAfter) || 0), 0);
  return {
    /** Pages served (answered 2xx): what the bound counts. */
    orgPages: orgGets.filter(ok).length,
    secodaPages: secodaGets.filter(ok).length,
    writes: writes.filter(ok).length,
    writeLog: writes,
    throttled,
    throttledText:
      `429s: org ${throttled.org}, Secoda reads ${throttled.secodaReads}, Secoda writes ${throttled.secodaWrites}` +
      (retryAfterS > 0 ? ` (Retry-After pauses ${retryAfterS} s in all)` : ''),
  };
}

/** Checks the run did exactly the changes the world asks for, and left Secoda in line with the org. */
function checkApplied(world: World, spec: WorldSpec, run: CliRun, sims: Sims): void {
  const s = run.report.summary;
  const expected = { invite: spec.invite, update_role: spec.reRole, delete: spec.remove, failed: 0, withheld: 0 };
  for (const [k, v] of Object.entries(expected)) {
    if (s[k] !== v) throw new Error(`expected ${k}=${v}, the run reports ${s[k]} (${JSON.stringify(s)})`);
  }
  const inSecoda = sims.secoda.users().length;
  if (inSecoda !== world.org.length) throw new Error(`Secoda has ${inSecoda} users after the run, the org ${world.org.length}`);
}

// ---------------------------------------------------------------------------
// scenarios

async function planEngine(): Promise<void> {
  for (const n of SIZES.plan) {
    const r = await runChild<PlanChildResult>('plan-child', [String(n)], workDir);
    const ms = r.normaliseMs + r.planMs;
    const big = n >= 100_000;
    const met = big ? ms < 1000 && r.peakRss < 300 * 1024 * 1024 : null;
    rows.push({
      scenario: `plan engine, ${fmtN(n)} × ${fmtN(n)} users`,
      measured: `${fmtMs(ms)}, peak RSS ${fmtMb(r.peakRss)}`,
      bound: big ? '< 1 s, < 300 MB' : '—',
      ratio: big ? `${r2(ms / 1000)} / ${r2(r.peakRss / (300 * 1024 * 1024))}` : '—',
      met,
      details:
        `normalise both sides ${fmtMs(r.normaliseMs)} + computePlan ${fmtMs(r.planMs)} (first run, in a child process of its own; ` +
        `median of 3 warm runs ${fmtMs(r.warmMs)}); ${fmtN(r.actions)} actions, ${fmtN(r.unchanged)} unchanged; ` +
        `RSS peak ${fmtMb(r.inputRss)} with the input records alone`,
    });
    log(`plan ${n}: ${fmtMs(ms)}, ${fmtMb(r.peakRss)}`);
  }
}

async function snapshotStore(): Promise<void> {
  const n = SIZES.store;
  const db = await freshDb(serverUrl);
  try {
    const r = await runChild<StoreChildResult>('store-child', [String(n), db.target], workDir);
    const ms = Math.max(r.firstSnapshotMs, r.replaceSnapshotMs);
    rows.push({
      scenario: `snapshot store: replaceSecodaSnapshot, ${fmtN(n)} users (${r.kind === 'postgres' ? 'Postgres' : 'PGlite'})`,
      measured: fmtMs(ms),
      bound: `< 5 s${r.kind === 'postgres' ? '' : ' (target is for Postgres)'}`,
      ratio: r2(ms / 5000),
      met: n >= 100_000 ? ms < 5000 : null,
      details:
        `slower of: into an empty table ${fmtMs(r.firstSnapshotMs)}, replacing ${fmtN(n)} rows ${fmtMs(r.replaceSnapshotMs)}; ` +
        `also saveOrgSnapshot ${fmtMs(r.saveOrgSnapshotMs)}, addActions (${fmtN(n)}) ${fmtMs(r.addActionsMs)}; ` +
        `open + migrate a fresh database ${fmtMs(r.openMs)}`,
    });
  } finally {
    await db.cleanup();
  }
}

async function rateBound(): Promise<void> {
  const spec = SIZES.rate;
  const world = makeWorld(spec);
  const window = { limit: 10, windowMs: 1000 };
  const sims = await startSims(world, { orgRate: window, readLimit: window, writeLimit: { limit: 20, windowMs: 1000 } });
  const db = await freshDb(serverUrl);
  try {
    await prepareDb(db);
    const run = await reconcileCli(sims, db, { SECODA_WRITE_RATE: '20/s' });
    checkApplied(world, spec, run, sims);
    const c = requestCounts(sims);
    const boundMs = (c.orgPages / 10 + c.secodaPages / 10 + c.writes / 20) * 1000;
    const ratio = run.wallMs / boundMs;
    const firstReq = Math.min(...[...sims.org.requests, ...sims.secoda.requests].map((q) => q.at));
    const firstWrite = c.writeLog[0]?.at ?? 0;
    const lastWrite = Math.max(...c.writeLog.map((q) => q.doneAt ?? q.at));
    rows.push({
      scenario: `rate-bound run: ${fmtN(world.changes)} changes, Secoda writes 20/s, ${LATENCY_MS} ms latency`,
      measured: fmtMs(run.wallMs),
      bound: `${fmtMs(boundMs)} (ratio ≤ 1.05)`,
      ratio: r2(ratio),
      met: ratio <= 1.05,
      details:
        `bound = ${c.orgPages} org pages / 10/s + ${c.secodaPages} Secoda pages / 10/s + ${fmtN(c.writes)} writes / 20/s; ` +
        `measured = CLI process wall time, spawn to exit: start-up to first request ${fmtMs(firstReq - run.spawnedAt)}, ` +
        `reads ${fmtMs(firstWrite - firstReq)}, writes ${fmtMs(lastWrite - firstWrite)} (first write arriving to last answered), ` +
        `finish ${fmtMs(run.exitedAt - lastWrite)}; ${c.throttledText}; simulators enforce the same limits (org 10/s, Secoda reads 10/s, writes 20/s); ` +
        `the database was migrated beforehand (as any run after the first finds it)`,
    });
  } finally {
    await sims.close();
    await db.cleanup();
  }
}

/** The client's gate margin (default 2% of the window) on the write phase alone, in-process. */
async function gateMargin(): Promise<void> {
  const n = SIZES.margin;
  if (n === 0) return;
  const sim = await startSecodaSim({ apiKey: SECODA_KEY, writeLimit: { limit: 20, windowMs: 1000 }, latencyMs: LATENCY_MS });
  try {
    sim.seed(Array.from({ length: n }, (_, i) => ({ id: `m-${i}`, email: `m${i}@bench.example`, role: 'viewer' })));
    const results: { margin: number; ms: number; throttled: number }[] = [];
    for (const margin of [defaultMarginMs(1000), 0]) {
      sim.resetRateLimits();
      sim.resetLog();
      const role = results.length % 2 === 0 ? 'editor' : 'viewer';
      const r = await runChild<{ ms: number }>('margin-child', [sim.url, SECODA_KEY, String(n), String(margin), role], workDir);
      results.push({ margin, ms: r.ms, throttled: sim.stats().throttled });
    }
    const boundMs = (n / 20) * 1000;
    const [withMargin, without] = results as [typeof results[0], typeof results[0]];
    rows.push({
      scenario: `gate margin: ${fmtN(n)} writes at 20/s, margin ${withMargin.margin} ms (default) vs 0`,
      measured: `${fmtMs(withMargin.ms)} (${withMargin.throttled} × 429) vs ${fmtMs(without.ms)} (${without.throttled} × 429)`,
      bound: fmtMs(boundMs),
      ratio: `${r2(withMargin.ms / boundMs)} vs ${r2(without.ms / boundMs)}`,
      met: null,
      details:
        `the HTTP client and Secoda adapter alone (in a child process), 4 at a time, PATCHing ${fmtN(n)} users against a simulator admitting 20 writes per 1000 ms; ` +
        `the margin stretches each window by ${withMargin.margin} ms (${r2((withMargin.margin / 1000) * 100)}%), and a 429 pauses the whole client until Retry-After (≥ 1 s)`,
    });
  } finally {
    await sim.close();
  }
}

async function latencyBound(): Promise<void> {
  const spec = SIZES.latency;
  const world = makeWorld(spec);
  const sims = await startSims(world, { orgRate: null, readLimit: null, writeLimit: null });
  const db = await freshDb(serverUrl);
  try {
    await prepareDb(db);
    const run = await reconcileCli(sims, db, {
      ORG_RATE: '100000/s', SECODA_READ_RATE: '100000/s', SECODA_WRITE_RATE: '100000/s', MAX_CONCURRENCY: '8',
    });
    checkApplied(world, spec, run, sims);
    const c = requestCounts(sims);
    // The apply phase as the database recorded it: first action started to last action finished.
    const w = await runChild<ApplyWindow>('db-child', ['apply-window', db.target, String(run.report.runId)], workDir);
    const started = w.firstStartedAt;
    const finished = w.lastFinishedAt;
    const actions = { length: w.actions };
    const perSecond = actions.length / ((finished - started) / 1000);
    const simSpan = Math.max(...c.writeLog.map((q) => q.doneAt ?? q.at)) - c.writeLog[0]!.at;
    const simPerSecond = c.writes / (simSpan / 1000);
    const bound = 8 / (LATENCY_MS / 1000);
    rows.push({
      scenario: `latency-bound run: ${fmtN(world.changes)} changes, no rate limit, ${LATENCY_MS} ms latency, MAX_CONCURRENCY 8`,
      measured: `${perSecond.toFixed(0)} writes/s`,
      bound: `${bound.toFixed(0)} writes/s (ratio ≥ 0.9)`,
      ratio: r2(perSecond / bound),
      met: perSecond / bound >= 0.9,
      details:
        `apply phase from the run's actions in the database: ${actions.length} succeeded actions between the first startedAt and the last finishedAt ` +
        `(${fmtMs(finished - started)}); the simulator saw ${c.writes} writes in ${fmtMs(simSpan)} (${simPerSecond.toFixed(0)}/s, first arrival to last answer); ` +
        `whole CLI run ${fmtMs(run.wallMs)}`,
    });

    // The naive baseline on the same simulators, from the same starting state.
    sims.secoda.clear();
    sims.secoda.seed(world.secoda);
    sims.org.resetLog();
    sims.secoda.resetLog();
    const naive = await runChild<NaiveResult>('naive', [JSON.stringify({
      orgUrl: sims.org.url, orgToken: ORG_TOKEN, secodaUrl: sims.secoda.url, secodaKey: SECODA_KEY,
    })], workDir);
    if (naive.writes !== world.changes) throw new Error(`the naive sync made ${naive.writes} writes, expected ${world.changes}`);
    const naivePerSecond = naive.writes / ((naive.finishedAt - naive.writesStartedAt) / 1000);
    const naiveTotal = naive.finishedAt - naive.startedAt;
    rows.push({
      scenario: `naive baseline, same latency-bound run (one request at a time, no snapshot)`,
      measured: `${naivePerSecond.toFixed(0)} writes/s; whole sync ${fmtMs(naiveTotal)}`,
      bound: `${bound.toFixed(0)} writes/s`,
      ratio: r2(naivePerSecond / bound),
      met: null,
      details:
        `speed-up of the tool over the naive sync: ×${(perSecond / naivePerSecond).toFixed(1)} on the apply phase (writes/s), ` +
        `×${(naiveTotal / run.wallMs).toFixed(1)} end to end (the naive sync's own time in a child process, no database, vs the CLI process spawn to exit); ` +
        `naive: ${naive.orgPages} + ${naive.secodaPages} pages, ${naive.writes} writes, ${naive.throttled} × 429`,
    });
  } finally {
    await sims.close();
    await db.cleanup();
  }
}

// ---------------------------------------------------------------------------
// output

async function main(): Promise<void> {
  const t0 = performance.now();
  log(`${quick ? 'quick' : 'full'} run on ${serverUrl ? 'Postgres (BENCH_DATABASE_URL)' : 'PGlite'}; built CLI in ${distDir}`);
  await scenario('plan', planEngine);
  await scenario('store', snapshotStore);
  await scenario('orgsnap', async () => {
    rows.push(await orgSnapshotGrowth({ serverUrl, workDir, ...SIZES.orgsnap }));
  });
  await scenario('rate', rateBound);
  await scenario('margin', gateMargin);
  await scenario('latency', latencyBound);
  const ctx: BenchContext = { rows, serverUrl, workDir, orgToken: ORG_TOKEN, secodaKey: SECODA_KEY, startSims, reconcileCli, prepareDb, requestCounts };
  await scenario('resync', () => noChangeResync(ctx, SIZES.resync));
  await scenario('pull', () => fullPull(ctx, SIZES.pull));
  await scenario('changes', () => changesVsNaive(ctx, SIZES.changes));
  await scenario('unknown', () => unknownLimit(ctx, SIZES.unknown));
  const env = await environmentLine({ serverUrl, quick, startLoad });
  const title = serverUrl ? '## PostgreSQL' : '## PGlite (embedded)';
  const section =
    `${title}${quick ? ' — quick run' : ''}\n\n${env}; the bench took ${fmtMs(performance.now() - t0)}.\n\n` +
    `${renderTable(rows, quick)}\nHow each row was measured:\n\n${renderDetails(rows)}`;
  process.stdout.write(`\n${env}\n\n${renderTable(rows, quick)}`);
  const out = flags.out ?? (quick ? undefined : join(repoRoot, 'bench', 'RESULTS.md'));
  if (out) {
    writeResults(resolve(out), section, { backend, quick });
    log(`results written to ${resolve(out)}`);
  }
  rmSync(workDir, { recursive: true, force: true });
  const missed = quick ? [] : rows.filter((r) => r.met === false);
  if (failures.length > 0) {
    log(`${failures.length} scenario(s) failed: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else if (flags.check && missed.length > 0) {
    log(`${missed.length} target(s) missed`);
    process.exitCode = 1;
  }
}

await main();
