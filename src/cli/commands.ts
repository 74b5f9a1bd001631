import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildReport, exitCodeOf } from '../app/report.js';
import { reconcile } from '../app/reconcile.js';
import { wireAdapters } from '../app/wire.js';
import { loadStoreConfig, loadSyncConfig, readEnv, secretsOf, type StoreConfig } from '../config/load.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { createProgress } from '../observe/progress.js';
import { makeScrubber } from '../observe/scrub.js';
import { renderReport } from '../render/report.js';
import { openStore, runMigrations } from '../store/index.js';
import type { Store } from '../store/types.js';
import { parseCount, parseFlags, parseFormat } from './flags.js';
import { UsageError, type CliIo } from './io.js';

function logger(io: CliIo, level: string, secrets: string[]): Logger {
  return createLogger({ level, pretty: Boolean(io.stderr.isTTY), secrets, stream: io.stderr });
}

function storeOptions(config: StoreConfig, io: CliIo) {
  return { ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: resolve(io.cwd, config.dataDir) };
}

export async function reconcileCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, {
    'dry-run': { type: 'boolean' },
    format: { type: 'string' },
    out: { type: 'string' },
    'max-deletes': { type: 'string' },
  });
  const formats = parseFormat(values.format, values.out, Boolean(io.stdout.isTTY));
  const maxDeletes = parseCount('--max-deletes', values['max-deletes']);
  // Every problem with the configuration surfaces here, before any request.
  const config = loadSyncConfig(readEnv(io.env, io.cwd));
  const secrets = secretsOf(config);
  const log = logger(io, config.logLevel, secrets);
  const scrub = makeScrubber(secrets);

  const store = await openStore(storeOptions(config, io));
  try {
    const progress = createProgress({ tty: Boolean(io.stderr.isTTY), stream: io.stderr as NodeJS.WriteStream, logger: log });
    const adapters = wireAdapters(config, { logger: log, ...(io.signal ? { signal: io.signal } : {}) });
    const report = await reconcile(
      { config, store, ...adapters, logger: log, onProgress: progress.sink, ...(io.signal ? { signal: io.signal } : {}) },
      { dryRun: Boolean(values['dry-run']), ...(maxDeletes !== undefined ? { maxDeletesOverride: maxDeletes } : {}) },
    );
    progress.end();
    if (values.out) {
      const file = resolve(io.cwd, values.out);
      writeFileSync(file, scrub(renderReport(report, formats.file)));
      log.info({ file }, `report written to ${file}`);
    }
    io.stdout.write(scrub(renderReport(report, formats.stdout)));
    return exitCodeOf(report.status);
  } finally {
    await store.close();
  }
}

export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { format: { type: 'string' } }, true);
  if (positionals.length > 1) throw new UsageError(`report takes at most one RUN_ID (got ${positionals.length})`);
  const runId = parseCount('RUN_ID', positionals[0]);
  const formats = parseFormat(values.format, undefined, Boolean(io.stdout.isTTY));
  const config = loadStoreConfig(readEnv(io.env, io.cwd));
  const scrub = makeScrubber(secretsOf(config));
  const store: Store = await openStore(storeOptions(config, io));
  try {
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
  const config = loadStoreConfig(readEnv(io.env, io.cwd));
  const log = logger(io, config.logLevel, secretsOf(config));
  await runMigrations(storeOptions(config, io));
  log.info(config.databaseUrl ? 'database schema is up to date (Postgres)' : `database schema is up to date (embedded, ${config.dataDir})`);
  return 0;
}
