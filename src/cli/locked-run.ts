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
import type { Logger } from '../observe/logger.js';
import { createProgress } from '../observe/progress.js';
import { renderReport } from '../render/report.js';
import type { RunFlags } from './flags.js';
import { logger, openStoreWaiting, storeOptions, type SyncSetup } from './setup.js';
import type { CliIo } from './io.js';

export interface LockedCommand extends SyncSetup {
  /** Names the holder of the run lock (`apply plan.json`). */
  label: string;
  flags: Pick<RunFlags, 'formats' | 'out' | 'waitSeconds'>;
  /** Refusals found once the store is open, before any write: their message and exit 2. */
  refusal?: (err: unknown) => boolean;
  run: (deps: LockedRunDeps, log: Logger) => Promise<Report>;
}

export async function runLockedCommand(io: CliIo, c: LockedCommand): Promise<number> {
  const { formats, out, waitSeconds } = c.flags;
  const log = logger(io, c.config.logLevel, c.secrets);
  // The embedded database starts on its thread while the run reads the org (src/store/open.ts).
  const store = await openStoreWaiting(io, { ...storeOptions(c.config, io), background: true }, waitSeconds * 1000);
  try {
    const progress = createProgress({ tty: Boolean(io.stderr.isTTY), stream: io.stderr as NodeJS.WriteStream, logger: log });
    const report = await c.run({
      config: c.config, store, logger: log, label: c.label, waitMs: waitSeconds * 1000,
      onProgress: progress.sink, ...(io.signal ? { signal: io.signal } : {}), ...(io.clock ? { wire: { clock: io.clock } } : {}),
      ...(io.now ? { now: io.now } : {}),
    }, log);
    progress.end();
    if (out) {
      const file = resolve(io.cwd, out);
      writeFileSync(file, c.scrub(renderReport(report, formats.file)));
      log.info({ file }, `report written to ${file}`);
    }
    io.stdout.write(c.scrub(renderReport(report, formats.stdout)));
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
