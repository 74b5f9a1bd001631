import { buildReport } from '../app/report.js';
import { reconcileLocked } from '../app/run.js';
import { loadStoreConfig, readEnv, secretsOfEnv } from '../config/load.js';
import { makeScrubber } from '../observe/scrub.js';
import { renderReport } from '../render/report.js';
import { pauseBanner, renderRunList } from '../render/run-list.js';
import { openStore, runMigrations } from '../store/index.js';
import type { Store } from '../store/types.js';
import { parseCount, parseFlags, parseFormat, PLANNING_FLAGS, readRunFlags, RUN_FLAGS } from './flags.js';
import { runLockedCommand } from './locked-run.js';
import { loadSync, logger, storeOptions } from './setup.js';
import { UsageError, type CliIo } from './io.js';

export async function reconcileCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { ...RUN_FLAGS, ...PLANNING_FLAGS, refresh: { type: 'boolean' } });
  const flags = readRunFlags(values, io);
  const setup = loadSync(io);
  return runLockedCommand(io, {
    ...setup, flags, label: flags.dryRun ? 'reconcile --dry-run' : 'reconcile',
    run: (deps) => reconcileLocked(deps, { dryRun: flags.dryRun, refresh: Boolean(values.refresh), ...flags.caps }),
  });
}

export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { format: { type: 'string' }, list: { type: 'boolean' }, limit: { type: 'string' } }, true);
  if (positionals.length > 1) throw new UsageError(`report takes at most one RUN_ID (got ${positionals.length})`);
  if (values.list && positionals.length) throw new UsageError('report --list takes no RUN_ID');
  if (values.limit !== undefined && !values.list) throw new UsageError('--limit goes with --list');
  const runId = parseCount('RUN_ID', positionals[0]);
  const limit = parseCount('--limit', values.limit) ?? 20;
  if (limit < 1) throw new UsageError('--limit must be at least 1');
  const formats = parseFormat(values.format, undefined, Boolean(io.stdout.isTTY));
  const env = readEnv(io.env, io.cwd);
  const config = loadStoreConfig(env);
  // Recorded errors come from the APIs: keep their keys out too, when this environment has them.
  const scrub = makeScrubber(secretsOfEnv(env));
  const store: Store = await (io.openStore ?? openStore)(storeOptions(config, io));
  try {
    if (values.list) {
      const paused = await store.currentPause();
      io.stdout.write(scrub(renderRunList(await store.listRuns(limit), formats.stdout, paused)));
      // The JSON list stays a list of runs; the pause is said on stderr (and by each paused run's hold).
      if (paused && formats.stdout === 'json') io.stderr.write(`${scrub(pauseBanner(paused))}\n`);
      return 0;
    }
    const run = runId !== undefined ? await store.getRun(runId) : await store.latestRun();
    if (!run) {
      io.stderr.write(runId !== undefined ? `No run ${runId} in the database.\n` : 'No runs recorded yet: run `secoda-user-sync reconcile --dry-run` first.\n');
      return 1;
    }
    io.stdout.write(scrub(renderReport(buildReport(run, await store.listActions(run.id)), formats.stdout)));
    return 0;
  } finally {
    await store.close();
  }
}

export async function migrateCommand(args: string[], io: CliIo): Promise<number> {
  parseFlags(args, {});
  const env = readEnv(io.env, io.cwd);
  const config = loadStoreConfig(env);
  const log = logger(io, config.logLevel, secretsOfEnv(env));
  await runMigrations(storeOptions(config, io));
  log.info(config.databaseUrl ? 'database schema is up to date (Postgres)' : `database schema is up to date (embedded, ${config.dataDir})`);
  return 0;
}
