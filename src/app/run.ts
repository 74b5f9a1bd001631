/**
 * One reconcile under the run lock — what the daemon's ticks and the one-shot
 * `reconcile` both do: take the lock, wire the adapters, run, release.
 * Losing the lock mid-run (its connection closed; on PGlite, the lock file
 * removed or taken over) stops dispatching writes at once, like a shutdown,
 * and the run is recorded `interrupted` "by losing the run lock".
 */
import type { SyncConfig } from '../config/load.js';
import type { Logger } from '../observe/logger.js';
import type { Store } from '../store/types.js';
import type { ProgressSink } from './ports.js';
import { reconcile, type ReconcileDeps, type ReconcileOptions } from './reconcile.js';
import type { Report } from './report.js';
import { takeRunLock } from './run-lock.js';
import { wireAdapters, type WireOptions, type Wired } from './wire.js';

export interface LockedRunDeps {
  config: SyncConfig;
  store: Store;
  logger: Logger;
  /** Names the holder in the lock (`daemon`, `reconcile --dry-run`). */
  label: string;
  /** How long to wait for the lock; RunLockBusyError after that. */
  waitMs: number;
  /**
   * Aborted: no new write is dispatched. A string reason names the cause in
   * the run's record ("losing the leader lock"); a plain abort() is a shutdown.
   */
  signal?: AbortSignal;
  /** For the HTTP clients (in-flight requests: the caller decides whether they are cancelled). */
  wire?: Omit<WireOptions, 'logger'>;
  onProgress?: ProgressSink;
  /** Wall clock for the run's record (tests move it); default: this process's. */
  now?: () => Date;
  /** Runs after the reconcile, still under the lock (the daemon's alerts and pruning). */
  after?: (report: Report) => Promise<void>;
}

/** Throws RunLockBusyError when the lock stays taken; reconcile records every other failure in the run. */
export async function reconcileLocked(deps: LockedRunDeps, options: ReconcileOptions): Promise<Report> {
  return runLocked(deps, (run) => reconcile(run, options));
}

/**
 * Any run under the lock, wired like a reconcile (`undo` is one): `body` gets
 * the adapters and the run's signal, and records its run itself.
 */
export async function runLocked(deps: LockedRunDeps, body: (run: ReconcileDeps) => Promise<Report>): Promise<Report> {
  const { store, logger } = deps;
  const held = await takeRunLock(store, deps.label, deps.waitMs, logger, deps.signal);
  const runAbort = new AbortController();
  const onStop = () => runAbort.abort(deps.signal?.reason);
  if (deps.signal?.aborted) onStop();
  deps.signal?.addEventListener('abort', onStop);
  let released = false;
  void held.lock.lost.then((why) => {
    if (released) return;
    logger.error({ why }, 'run lock lost: stopping this run');
    runAbort.abort('losing the run lock');
  });
  let adapters: Wired | undefined;
  try {
    adapters = wireAdapters(deps.config, { ...deps.wire, logger });
    const report = await body({
      config: deps.config, store, ...adapters, logger, signal: runAbort.signal, runsSettled: held.abandoned,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}), ...(deps.now ? { now: deps.now } : {}),
    });
    await deps.after?.(report);
    return report;
  } finally {
    adapters?.close();
    deps.signal?.removeEventListener('abort', onStop);
    released = true;
    await held.lock.release();
  }
}
