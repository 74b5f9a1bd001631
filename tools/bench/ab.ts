/**
 * Two (or more) builds of the CLI against each other on the 2,000-change
 * first run of `npm run bench` (its `changes` row without the naive sync):
 * runs alternated, the order flipped every round, so that this VM's CPU
 * speed — it varies by up to 60% from one minute to the next — weighs on
 * every build alike. Prints each build's median and minimum wall time.
 *
 *   node build/tools/bench/ab.js ROUNDS DIR[@node-flag,...] DIR... [--pg]
 *
 * DIR is a checkout with a built dist/ (a `git worktree` of another commit,
 * say); `@--flag,--flag` runs that build with node flags. --pg: a fresh
 * database on BENCH_DATABASE_URL (default the local server) each run,
 * else a fresh PGlite directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrgSim, startSecodaSim } from '../simulators/index.js';
import { makeWorld } from './data.js';
import { childEnv, freshDb, runChild, runNode } from './harness.js';

const args = process.argv.slice(2);
const rounds = Number(args[0]);
const pg = args.includes('--pg') ? (process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres') : undefined;
const builds = args.slice(1).filter((a) => a !== '--pg');
if (!Number.isInteger(rounds) || rounds < 1 || builds.length === 0) {
  process.stderr.write('usage: node build/tools/bench/ab.js ROUNDS DIR[@node-flag,...] DIR... [--pg]\n');
  process.exit(2);
}

const world = makeWorld({ unchanged: 18_000, reRole: 800, invite: 800, remove: 400 });
const org = await startOrgSim({ token: 'ab-org', rate: null, latencyMs: 5 });
const secoda = await startSecodaSim({ apiKey: 'ab-secoda', readLimit: null, writeLimit: null, latencyMs: 5 });
org.seed(world.org);
const workDir = mkdtempSync(join(tmpdir(), 'sus-ab-'));
const times = new Map<string, number[]>(builds.map((b) => [b, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const build of round % 2 ? [...builds].reverse() : builds) {
      const [dir = '', flags = ''] = build.split('@');
      secoda.clear();
      secoda.seed(world.secoda);
      org.resetLog();
      secoda.resetLog();
      const db = await freshDb(pg);
      try {
        await runChild('db-child', ['prepare', db.target, '0'], workDir);
        const env = childEnv({
          ORG_API_URL: org.url, ORG_API_TOKEN: 'ab-org', SECODA_API_URL: secoda.url, SECODA_API_KEY: 'ab-secoda', LOG_LEVEL: 'warn',
          MAX_DELETES: '1000000', MAX_DELETE_PERCENT: '100', MAX_DEMOTIONS: '1000000', MAX_DEMOTION_PERCENT: '100', MAX_CONCURRENCY: '8',
          ORG_RATE: '100000/s', SECODA_READ_RATE: '100000/s', SECODA_WRITE_RATE: '100000/s', ...db.env,
        });
        const r = await runNode(join(dir, 'dist', 'cli.js'), ['reconcile', '--format', 'json'], env, workDir, flags.split(',').filter(Boolean));
        const summary = (JSON.parse(r.stdout || '{}') as { summary?: { invite?: number } }).summary;
        if (r.code !== 0 || summary?.invite !== 800) throw new Error(`${build}: exit ${r.code}: ${r.stderr.slice(-500)}`);
        times.get(build)!.push(Math.round(r.wallMs));
      } finally {
        await db.cleanup();
      }
    }
  }
} finally {
  await Promise.all([org.close(), secoda.close()]);
  rmSync(workDir, { recursive: true, force: true });
}
for (const [build, t] of times) {
  const sorted = [...t].sort((a, b) => a - b);
  process.stdout.write(`${build.padEnd(30)} median ${sorted[Math.floor(sorted.length / 2)]} ms, min ${sorted[0]} ms; all ${t.join(' ')}\n`);
}
