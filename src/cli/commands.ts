import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildReport, exitCodeOf } from '../app/report.js';
import { reconcileLocked } from '../app/run.js';
import { RunLockBusyError } from '../app/run-lock.js';
import { loadStoreConfig, loadSyncConfig, readEnv, secretsOfEnv, type StoreConfig } from '../config/load.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { createProgress } from '../observe/progress.js';
import { makeScrubber } from '../observe/scrub.js';
import { renderReport } from '../render/report.js';
import { pauseBanner, renderRunList } from '../render/run-list.js';
import { openStore, runMigrations } from '../store/index.js';
import type { Store } from '../store/types.js';
import { parseCount, parseFlags, parseFormat } from './flags.js';
import { UsageError, type CliIo } from './io.js';

export function logger(io: CliIo, level: string, secrets: string[]): Logger {
  return createLogger({ level, pretty: Boolean(io.stderr.isTTY), secrets, stream: io.stderr });
}

export function storeOptions(config: StoreConfig, io: CliIo) {
  return { ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: resolve(io.cwd, config.dataDir) };
}

export async function reconcileCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, {
    'dry-run': { type: 'boolean' },
    refresh: { type: 'boolean' },
    format: { type: 'string' },
    out: { type: 'string' },
    'max-deletes': { type: 'string' },
    'max-demotions': { type: 'string' },
    wait: { type: 'string' },
  });
  const formats = parseFormat(values.format, values.out, Boolean(io.stdout.isTTY));
  const maxDeletes = parseCount('--max-deletes', values['max-deletes']);
  const maxDemotions = parseCount('--max-demotions', values['max-demotions']);
  const waitSeconds = parseCount('--wait', values.wait) ?? 0;
  // Every problem with the configuration surfaces here, before any request.
  const env = readEnv(io.env, io.cwd);
  const config = loadSyncConfig(env);
  const secrets = secretsOfEnv(env);
  const log = logger(io, config.logLevel, secrets);
  const scrub = makeScrubber(secrets);

  const store = await openStoreWaiting(io, storeOptions(config, io), waitSeconds * 1000);
  try {
    const progress = createProgress({ tty: Boolean(io.stderr.isTTY), stream: io.stderr as NodeJS.WriteStream, logger: log });
    // No abort signal for the HTTP clients: on SIGINT/SIGTERM, or losing the run lock, in-flight requests finish.
    const report = await reconcileLocked(
      {
        config, store, logger: log, label: values['dry-run'] ? 'reconcile --dry-run' : 'reconcile', waitMs: waitSeconds * 1000,
        onProgress: progress.sink, ...(io.signal ? { signal: io.signal } : {}), ...(io.clock ? { wire: { clock: io.clock } } : {}),
        ...(io.now ? { now: io.now } : {}),
      },
      {
        dryRun: Boolean(values['dry-run']),
        refresh: Boolean(values.refresh),
        ...(maxDeletes !== undefined ? { maxDeletesOverride: maxDeletes } : {}),
        ...(maxDemotions !== undefined ? { maxDemotionsOverride: maxDemotions } : {}),
      },
    );
    progress.end();
    if (values.out) {
      const file = resolve(io.cwd, values.out);
      writeFileSync(file, scrub(renderReport(report, formats.file)));
      log.info({ file }, `report written to ${file}`);
    }
    io.stdout.write(scrub(renderReport(report, formats.stdout)));
    return exitCodeOf(report.status);
  } catch (err) {
    if (err instanceof RunLockBusyError) {
      io.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}

/** The embedded store admits one process at a time: with --wait, keep trying until the deadline. */
export async function openStoreWaiting(io: CliIo, options: ReturnType<typeof storeOptions>, waitMs: number): Promise<Store> {
  const deadline = Date.now() + waitMs;
  const signal = io.signal;
  for (;;) {
    try {
      return await (io.openStore ?? openStore)(options);
    } catch (err) {
      if ((err as { code?: string }).code !== 'E_LOCKED' || Date.now() >= deadline || signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, Math.min(1_000, Math.max(0, deadline - Date.now()))));
    }
  }
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
