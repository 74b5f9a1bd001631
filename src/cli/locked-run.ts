/**
 * The tail `reconcile`, `apply` and `undo` share: open the store (waiting with --wait),
 * run under the run lock with progress on stderr, write the report to
 * stdout and --out, and answer the run's exit code.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exitCodeOf, type Report } from '../app/report.js';
import { type LockedRunDeps } from '../app/run.js';
import { RunLockBusyError } from '../app/run-lock.js';
import type { SyncConfig } from '../config/load.js';
import type { Logger } from '../observe/logger.js';
import { createProgress } from '../observe/progress.js';
import { renderReport, type ReportFormat } from '../render/report.js';
import { logger, openStoreWaiting, storeOptions } from './setup.js';
import type { CliIo } from './io.js';

export interface LockedCommand {
  config: SyncConfig;
  secrets: string[];
  scrub: (text: string) => string;
  /** Names the holder of the run lock (`apply plan.json`). */
  label: string;
  waitSeconds: number;
  formats: { stdout: ReportFormat; file: ReportFormat };
  out: string | undefined;
  /** Refusals found once the store is open, before any write: their message and exit 2. */
  refusal?: (err: unknown) => boolean;
  run: (deps: LockedRunDeps, log: Logger) => Promise<Report>;
}

export async function runLockedCommand(io: CliIo, c: LockedCommand): Promise<number> {
  const log = logger(io, c.config.logLevel, c.secrets);
  const store = await openStoreWaiting(io, storeOptions(c.config, io), c.waitSeconds * 1000);
  try {
    const progress = createProgress({ tty: Boolean(io.stderr.isTTY), stream: io.stderr as NodeJS.WriteStream, logger: log });
    const report = await c.run({
      config: c.config, store, logger: log, label: c.label, waitMs: c.waitSeconds * 1000,
      onProgress: progress.sink, ...(io.signal ? { signal: io.signal } : {}), ...(io.clock ? { wire: { clock: io.clock } } : {}),
      ...(io.now ? { now: io.now } : {}),
    }, log);
    progress.end();
    if (c.out) {
      const file = resolve(io.cwd, c.out);
      writeFileSync(file, c.scrub(renderReport(report, c.formats.file)));
      log.info({ file }, `report written to ${file}`);
    }
    io.stdout.write(c.scrub(renderReport(report, c.formats.stdout)));
    return exitCodeOf(report.status);
  } catch (err) {
    if (err instanceof RunLockBusyError) {
      io.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    if (c.refusal?.(err)) {
      io.stderr.write(`error: ${c.scrub((err as Error).message)}\n`);
      return 2;
    }
    throw err;
  } finally {
    await store.close();
  }
}
