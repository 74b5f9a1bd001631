/**
 * Every reconcile (dry runs too: they refresh the snapshot) runs under the
 * store's run lock, so the daemon's replicas and one-shot runs never overlap.
 */
import type { Logger } from '../observe/logger.js';
import type { RunLock, Store } from '../store/types.js';

export class RunLockBusyError extends Error {
  override name = 'RunLockBusyError';
  readonly code = 'E_RUN_LOCKED';
  constructor(readonly holder: string | null, waitedMs: number) {
    super(
      `another reconcile is running on this database${holder ? `: ${holder}` : ''}` +
        (waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)}s)` : '') +
        '. Try again when it has finished, or pass --wait SECONDS.',
    );
  }
}

/** The lock could not even be asked for (the database did not answer). */
export class RunLockError extends Error {
  override name = 'RunLockError';
  readonly code = 'E_RUN_LOCK';
}

export interface HeldRunLock {
  lock: RunLock;
  /**
   * Runs a previous holder left `running` (it was killed), being marked
   * abandoned: how many, or a RunLockError. Whoever records a run awaits it
   * first; the org can be read meanwhile (src/app/reconcile.ts).
   */
  abandoned: Promise<number>;
}

/** Takes the lock, polling until `waitMs` has passed; then marks runs a killed process left behind. */
export async function takeRunLock(store: Store, label: string, waitMs: number, logger: Logger, signal?: AbortSignal): Promise<HeldRunLock> {
  const started = Date.now();
  for (;;) {
    let lock: RunLock | null;
    try {
      lock = await store.tryRunLock(label);
    } catch (err) {
      throw new RunLockError((err as Error).message);
    }
    if (lock) {
      const abandoned = store.markAbandonedRuns().then(
        (n) => {
          if (n > 0) logger.warn({ abandoned: n }, `${n} run(s) left running by a stopped process recorded as abandoned`);
          return n;
        },
        (err: unknown) => {
          throw new RunLockError((err as Error).message);
        },
      );
      // Observed at once: its failure is the run's when awaited, never an unhandled rejection meanwhile.
      abandoned.catch(() => {});
      return { lock, abandoned };
    }
    const waited = Date.now() - started;
    if (waited >= waitMs || signal?.aborted) throw new RunLockBusyError(await store.runLockHolder(), waited);
    await new Promise((r) => setTimeout(r, Math.min(1_000, waitMs - waited)));
  }
}
