/**
 * Benchmark scenarios of issue 9 (throughput in every regime), each one CLI
 * run in a child process against the simulators, as the other rows:
 *
 * - resync:  a no-change re-sync at the default rates (10/s) against the
 *            slower API's pages / rate (both are read at once), then the
 *            next run with a fresh snapshot (SECODA_REFRESH=1h) against org
 *            pages / rate alone.
 * - pull:    latency-bound full pull of n org and n Secoda users, no change,
 *            50 ms latency, MAX_CONCURRENCY 8: against pages × 50 ms / 8 of
 *            the slower API (both are read at once); and the same run's peak
 *            RSS (the whole CLI process, start-up to exit).
 * - changes: 2,000 changes among 20,000 users, 5 ms latency, no rate limit:
 *            end to end against the naive sequential sync (naive.ts).
 * - unknown: a server admitting 4 reads/s, the client configured at 100/s:
 *            the share of requests throttled, and the wall time against
 *            requests / 4.
 */
import { freshDb, log, runChildTimed } from './harness.js';
import { makeWorld, priorOrg, type WorldSpec } from './data.js';
import type { NaiveResult } from './naive.js';
import type { BenchDb } from './harness.js';
import type { CliRun, Sims, SimLimits, requestCounts } from './run-bench.js';
import { fmtMb, fmtMs, fmtN, pct, r2, type BenchRow } from './results.js';

/** What the scenarios use of run-bench.ts (passed in: that module runs the bench when imported). */
export interface BenchContext {
  rows: BenchRow[];
  serverUrl: string | undefined;
  workDir: string;
  orgToken: string;
  secodaKey: string;
  startSims(world: ReturnType<typeof makeWorld>, o: SimLimits): Promise<Sims>;
  reconcileCli(sims: Sims, db: BenchDb, env: Record<string, string>, o?: { rss?: boolean }): Promise<CliRun>;
  prepareDb(db: BenchDb, snapshotUsers?: number, o?: { org?: boolean }): Promise<void>;
  requestCounts: typeof requestCounts;
}


const UNLIMITED = { ORG_RATE: '100000/s', SECODA_READ_RATE: '100000/s', SECODA_WRITE_RATE: '100000/s' };

export async function fullPull(ctx: BenchContext, n: number): Promise<void> {
  const latency = 50;
  const world = makeWorld({ unchanged: n, reRole: 0, invite: 0, remove: 0 });
  const sims = await ctx.startSims(world, { orgRate: null, readLimit: null, writeLimit: null, latencyMs: latency });
  const db = await freshDb(ctx.serverUrl);
  try {
    // No change since the previous run: the database holds both of its snapshots (Secoda's and the org's).
    // The first org snapshot of 100k users is a one-off write (~1.5 s on PGlite); BENCH_PULL_FIRST_ORG=1 measures with it.
    const firstOrg = process.env.BENCH_PULL_FIRST_ORG === '1';
    await ctx.prepareDb(db, n, { org: !firstOrg });
    const run = await ctx.reconcileCli(sims, db, { ...UNLIMITED, MAX_CONCURRENCY: '8' }, { rss: true });
    if (run.report.summary.unchanged !== n) throw new Error(`expected ${n} unchanged, got ${JSON.stringify(run.report.summary)}`);
    const c = ctx.requestCounts(sims);
    const orgMs = (c.orgPages * latency) / 8;
    const secodaMs = (c.secodaPages * latency) / 8;
    const boundMs = Math.max(orgMs, secodaMs);
    const ratio = run.wallMs / boundMs;
    const span = (reqs: readonly { at: number; doneAt?: number }[]) =>
      reqs.length === 0 ? 0 : Math.max(...reqs.map((q) => q.doneAt ?? q.at)) - Math.min(...reqs.map((q) => q.at));
    const all = [...sims.org.requests, ...sims.secoda.requests];
    const firstReq = Math.min(...all.map((q) => q.at));
    const lastReq = Math.max(...all.map((q) => q.doneAt ?? q.at));
    ctx.rows.push({
      scenario: `latency-bound full pull: ${fmtN(n)} org × ${fmtN(n)} Secoda users, no change, ${latency} ms latency, MAX_CONCURRENCY 8`,
      measured: fmtMs(run.wallMs),
      bound: `${fmtMs(boundMs)} (ratio ≤ 1.25)`,
      ratio: r2(ratio),
      met: ratio <= 1.25,
      details:
        `bound = the slower of ${fmtN(c.orgPages)} org pages × ${latency} ms / 8 (${fmtMs(orgMs)}) and ${fmtN(c.secodaPages)} Secoda pages × ${latency} ms / 8 (${fmtMs(secodaMs)}), ` +
        `the two APIs read at once; measured = CLI process wall time: start-up to first request ${fmtMs(firstReq - run.spawnedAt)}, ` +
        `reading ${fmtMs(lastReq - firstReq)} (org ${fmtMs(span(sims.org.requests))}, Secoda ${fmtMs(span(sims.secoda.requests))}), ` +
        `snapshots + plan + report after the last page ${fmtMs(run.exitedAt - lastReq)}; no rate limit; ` +
        (firstOrg
          ? `the database held the previous run's Secoda snapshot but no org snapshot (BENCH_PULL_FIRST_ORG=1: the run writes its first, 100k rows)`
          : `the database held the previous run's snapshots (Secoda and org), as a re-run with no change finds it`),
    });
    const rss = run.peakRss ?? 0;
    ctx.rows.push({
      scenario: `whole run, ${fmtN(n)} × ${fmtN(n)} users: peak RSS of the CLI process`,
      measured: fmtMb(rss),
      bound: '< 400 MB',
      ratio: r2(rss / (400 * 1024 * 1024)),
      met: n >= 100_000 ? rss < 400 * 1024 * 1024 : null,
      details: `the run above, start-up to exit (process.resourceUsage().maxRSS, written at exit by a probe loaded with node --import)`,
    });
  } finally {
    await sims.close();
    await db.cleanup();
  }
}

export async function changesVsNaive(ctx: BenchContext, spec: WorldSpec): Promise<void> {
  const latency = 5;
  const world = makeWorld(spec);
  const sims = await ctx.startSims(world, { orgRate: null, readLimit: null, writeLimit: null, latencyMs: latency });
  const db = await freshDb(ctx.serverUrl);
  try {
    await ctx.prepareDb(db);
    const simCpu = process.cpuUsage();
    const run = await ctx.reconcileCli(sims, db, { ...UNLIMITED, MAX_CONCURRENCY: '8' });
    const simCpuMs = ((u) => (u.user + u.system) / 1000)(process.cpuUsage(simCpu));
    const s = run.report.summary;
    if (s.invite !== spec.invite || s.update_role !== spec.reRole || s.delete !== spec.remove) {
      throw new Error(`expected ${world.changes} changes, the run reports ${JSON.stringify(s)}`);
    }
    const c = ctx.requestCounts(sims);
    const timeline = phaseTimeline(run, sims);
    const cliRequests = sims.org.requests.length + sims.secoda.requests.length;

    sims.secoda.clear();
    sims.secoda.seed(world.secoda);
    sims.org.resetLog();
    sims.secoda.resetLog();
    const { value: naive, wallMs: naiveMs } = await runChildTimed<NaiveResult>('naive', [JSON.stringify({
      orgUrl: sims.org.url, orgToken: ctx.orgToken, secodaUrl: sims.secoda.url, secodaKey: ctx.secodaKey,
    })], ctx.workDir);
    if (naive.writes !== world.changes) throw new Error(`the naive sync made ${naive.writes} writes, expected ${world.changes}`);
    const speedup = naiveMs / run.wallMs;
    // What 8 requests in flight allow on this machine, start-up and everything else free: the CLI's
    // requests at the naive sync's own round trip (its requests one after the other), 8 at a time.
    const naiveRequests = naive.orgPages + naive.secodaPages + naive.writes;
    const roundTripMs = (naive.finishedAt - naive.startedAt) / naiveRequests;
    const requestsOnlyMs = (cliRequests * roundTripMs) / 8;
    const users = spec.unchanged + spec.reRole + spec.invite;
    ctx.rows.push({
      scenario: `${fmtN(world.changes)} changes among ${fmtN(users)} users, ${latency} ms latency, no rate limit: vs the naive sequential sync`,
      measured: `${fmtMs(run.wallMs)} vs naive ${fmtMs(naiveMs)}`,
      bound: '≥ 5× faster end to end',
      ratio: `×${speedup.toFixed(1)}`,
      met: speedup >= 5,
      details:
        `both measured as processes, spawn to exit: the CLI (${c.orgPages} org + ${c.secodaPages} Secoda pages — the org read twice, deletes being planned — ` +
        `${fmtN(c.writes)} writes, MAX_CONCURRENCY 8, a migrated database holding no snapshot yet: the first run) ` +
        `vs the naive sync (naive.ts: one request at a time, no database) from the same starting state: ${naive.orgPages} + ${naive.secodaPages} pages, ${naive.writes} writes; ` +
        `the CLI's time: ${timeline}; the simulators' process used ${fmtMs(simCpuMs)} of CPU meanwhile (the same 2 cores); ` +
        `the naive sync's round trip ${roundTripMs.toFixed(2)} ms a request: the CLI's ${fmtN(cliRequests)} requests 8 at a time take ${fmtMs(requestsOnlyMs)} at that pace, ` +
        `so with start-up, database and planning free a tool with 8 in flight could be ×${(naiveMs / requestsOnlyMs).toFixed(1)} faster at most`,
    });
    await laterRun(ctx, world, sims, naiveMs);
  } finally {
    await sims.close();
    await db.cleanup();
  }
}

/**
 * The same 2,000 changes, met by a later run: the database holds the
 * snapshots of a run made when both sides agreed, and Secoda is read in full
 * (the snapshot older than SECODA_REFRESH, here 0). Information beside the
 * first run above, which is the row's target.
 */
async function laterRun(ctx: BenchContext, world: ReturnType<typeof makeWorld>, sims: Sims, naiveMs: number): Promise<void> {
  const db = await freshDb(ctx.serverUrl);
  try {
    await ctx.prepareDb(db);
    sims.secoda.clear();
    sims.secoda.seed(world.secoda);
    sims.org.clear();
    sims.org.seed(priorOrg(world));
    sims.org.resetLog();
    sims.secoda.resetLog();
    const before = await ctx.reconcileCli(sims, db, { ...UNLIMITED, MAX_CONCURRENCY: '8' });
    if (sims.secoda.requests.some((q) => q.method !== 'GET')) throw new Error(`the run before the changes wrote to Secoda: ${JSON.stringify(before.report.summary)}`);
    sims.org.clear();
    sims.org.seed(world.org);
    sims.org.resetLog();
    sims.secoda.resetLog();
    const run = await ctx.reconcileCli(sims, db, { ...UNLIMITED, MAX_CONCURRENCY: '8', SECODA_REFRESH: '0' });
    const c = ctx.requestCounts(sims);
    if (c.writes !== world.changes) throw new Error(`expected ${world.changes} writes, the run made ${c.writes}: ${JSON.stringify(run.report.summary)}`);
    const speedup = naiveMs / run.wallMs;
    ctx.rows.push({
      scenario: `the same ${fmtN(world.changes)} changes met by a later run (the previous run's snapshots in the database, Secoda read in full)`,
      measured: `${fmtMs(run.wallMs)} vs naive ${fmtMs(naiveMs)}`,
      bound: '—',
      ratio: `×${speedup.toFixed(1)}`,
      met: null,
      details:
        `a run made first with the org as it was (no change), then the org changed and the CLI run again with SECODA_REFRESH=0, spawn to exit: ` +
        `${c.orgPages} org + ${c.secodaPages} Secoda pages, ${fmtN(c.writes)} writes; the snapshots are written as differences; the CLI's time: ${phaseTimeline(run, sims)}`,
    });
  } finally {
    await db.cleanup();
  }
}

/** Where a CLI run's time went, from the simulators' request logs: start-up, reads, the gap before the first write, writes, tail. */
function phaseTimeline(run: CliRun, sims: Sims): string {
  const reads = [...sims.org.requests, ...sims.secoda.requests.filter((q) => q.method === 'GET')];
  const writes = sims.secoda.requests.filter((q) => q.method !== 'GET');
  const first = (qs: typeof reads) => Math.min(...qs.map((q) => q.at));
  const last = (qs: typeof reads) => Math.max(...qs.map((q) => q.doneAt ?? q.at));
  if (reads.length === 0 || writes.length === 0) return 'no reads or no writes';
  const firstReadsEnd = last(reads.filter((q) => q.at < first(writes)));
  // Each list read from its first page's request to its last answer, from the run's first request: a second read of a list starts with page 1 again.
  const t0 = first(reads);
  const span = (qs: typeof reads) => `${fmtMs(first(qs) - t0)}–${fmtMs(last(qs) - t0)}`;
  const listReads = (qs: typeof reads, isFirstPage: (q: (typeof reads)[number]) => boolean) => {
    const out: (typeof reads)[] = [];
    for (const q of [...qs].sort((a, b) => a.at - b.at)) {
      if (isFirstPage(q) || out.length === 0) out.push([]);
      out[out.length - 1]!.push(q);
    }
    return out;
  };
  const orgReads = listReads(sims.org.requests.filter((q) => q.method === 'GET'), (q) => (q.query.page_number ?? '1') === '1');
  const secodaReads = listReads(sims.secoda.requests.filter((q) => q.method === 'GET' && q.at < first(writes)), (q) => (q.query.page ?? '1') === '1');
  const within = [...orgReads.map((qs, i) => `org${i > 0 ? ' again' : ''} ${span(qs)}`), ...secodaReads.map((qs) => `Secoda ${span(qs)}`)].join(', ');
  return (
    `start-up to first request ${fmtMs(first(reads) - run.spawnedAt)}, reads ${fmtMs(firstReadsEnd - first(reads))} (${within}), ` +
    `to the first write ${fmtMs(first(writes) - firstReadsEnd)}, first to last write ${fmtMs(last(writes) - first(writes))}, ` +
    `after the last write to exit ${fmtMs(run.exitedAt - last(writes))}`
  );
}

export async function unknownLimit(ctx: BenchContext, n: number): Promise<void> {
  const world = makeWorld({ unchanged: n, reRole: 0, invite: 0, remove: 0 });
  const serverRate = 4;
  const sims = await ctx.startSims(world, { orgRate: null, readLimit: { limit: serverRate, windowMs: 1000 }, writeLimit: null });
  const db = await freshDb(ctx.serverUrl);
  try {
    await ctx.prepareDb(db, n);
    const run = await ctx.reconcileCli(sims, db, { SECODA_READ_RATE: '100/s', ORG_RATE: '100000/s', LOG_LEVEL: 'warn' });
    const c = ctx.requestCounts(sims);
    const reads = sims.secoda.requests.filter((q) => q.method === 'GET');
    const share = c.throttled.secodaReads / reads.length;
    const boundMs = (c.secodaPages / serverRate) * 1000;
    const ratio = run.wallMs / boundMs;
    log(`unknown limit: ${c.throttled.secodaReads} of ${reads.length} throttled, ${fmtMs(run.wallMs)} vs ${fmtMs(boundMs)}`);
    ctx.rows.push({
      scenario: `unknown server limit: Secoda reads configured 100/s, server admits ${serverRate}/s with Retry-After (${fmtN(n)} users)`,
      measured: `${pct(share)} throttled; ${fmtMs(run.wallMs)}`,
      bound: `≤ 10% throttled; ${fmtMs(boundMs)} (ratio ≤ 1.2)`,
      ratio: `${r2(share / 0.1)} / ${r2(ratio)}`,
      met: share <= 0.1 && ratio <= 1.2,
      details:
        `${c.throttled.secodaReads} × 429 of ${reads.length} Secoda reads; bound = ${c.secodaPages} Secoda pages answered / ${serverRate}/s; ` +
        `measured = CLI process wall time (the org read, unlimited, runs alongside); the gate lowers its rate on a 429 to 0.9 × what the server admitted (over ~10 s) ` +
        `and raises it while no 429 comes: 2% of that a second to 0.97 ×, 0.1% a second to all of it, then 1% (src/http/adaptive-rate.ts)`,
    });
  } finally {
    await sims.close();
    await db.cleanup();
  }
}

export async function noChangeResync(ctx: BenchContext, n: number): Promise<void> {
  const latency = 50;
  const world = makeWorld({ unchanged: n, reRole: 0, invite: 0, remove: 0 });
  const window = { limit: 10, windowMs: 1000 };
  const sims = await ctx.startSims(world, { orgRate: window, readLimit: window, writeLimit: { limit: 30, windowMs: 60_000 } });
  const db = await freshDb(ctx.serverUrl);
  try {
    // A re-sync: the database already holds the snapshot of a previous run.
    await ctx.prepareDb(db, n);
    const run = await ctx.reconcileCli(sims, db, {});
    const c = ctx.requestCounts(sims);
    if (c.writeLog.length !== 0) throw new Error(`a no-change re-sync sent ${c.writeLog.length} writes`);
    if (run.report.summary.unchanged !== n) throw new Error(`expected ${n} unchanged, got ${JSON.stringify(run.report.summary)}`);
    // The two APIs' limits are independent and both are read at once: the slower read is the bound.
    const orgMs = (c.orgPages / 10) * 1000;
    const secodaMs = (c.secodaPages / 10) * 1000;
    const boundMs = Math.max(orgMs, secodaMs);
    const ratio = run.wallMs / boundMs;
    const all = [...sims.org.requests, ...sims.secoda.requests];
    const firstReq = Math.min(...all.map((q) => q.at));
    const lastReq = Math.max(...all.map((q) => q.doneAt ?? q.at));
    ctx.rows.push({
      scenario: `no-change re-sync, ${fmtN(n)} users (default rates 10/s, ${latency} ms latency)`,
      measured: fmtMs(run.wallMs),
      bound: `${fmtMs(boundMs)} (ratio ≤ 1.1)`,
      ratio: r2(ratio),
      met: ratio <= 1.1,
      details:
        `bound = the slower of ${c.orgPages} org pages (100 a page) / 10/s (${fmtMs(orgMs)}) and ${c.secodaPages} Secoda pages (50 a page) / 10/s (${fmtMs(secodaMs)}): ` +
        `both APIs are read at once; measured = CLI process wall time: start-up to first request ${fmtMs(firstReq - run.spawnedAt)}, ` +
        `reading ${fmtMs(lastReq - firstReq)}, snapshot + plan + report after the last page ${fmtMs(run.exitedAt - lastReq)}; ` +
        `${c.throttledText}; no write sent`,
    });

    // The next run, the snapshot fresh: with SECODA_REFRESH it plans against the snapshot and reads the org only.
    sims.org.resetLog();
    sims.secoda.resetLog();
    sims.org.resetRateLimits();
    sims.secoda.resetRateLimits();
    const next = await ctx.reconcileCli(sims, db, { SECODA_REFRESH: '1h' });
    const c2 = ctx.requestCounts(sims);
    const orgOnlyMs = (c2.orgPages / 10) * 1000;
    const ratio2 = next.wallMs / orgOnlyMs;
    ctx.rows.push({
      scenario: `incremental re-sync, ${fmtN(n)} users, fresh snapshot (SECODA_REFRESH=1h)`,
      measured: fmtMs(next.wallMs),
      bound: `${fmtMs(orgOnlyMs)} (ratio ≤ 1.1)`,
      ratio: r2(ratio2),
      met: ratio2 <= 1.1,
      details:
        `the run right after the re-sync above, same database; bound = ${c2.orgPages} org pages / 10/s alone; ` +
        `the run read ${c2.secodaPages} Secoda pages (a build without SECODA_REFRESH ignores the variable and reads them all); ${c2.throttledText}`,
    });
  } finally {
    await sims.close();
    await db.cleanup();
  }
}
