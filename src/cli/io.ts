import type { TickSource } from '../daemon/daemon.js';
import type { Clock } from '../http/wait.js';
import type { OpenStoreOptions } from '../store/open.js';
import type { Store } from '../store/types.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: stop dispatching writes, finish in-flight ones. */
  signal?: AbortSignal;
  /** The HTTP clients' time source for backoff, pauses and rate windows (tests skip the waits). */
  clock?: Clock;
  /** Opens the database; default openStore. Tests hand one open store to many in-process runs. */
  openStore?: (options: OpenStoreOptions) => Promise<Store>;
  /** Wall clock for what is recorded (run starts, pauses, alert timing); tests move it. Default: real time. */
  now?: () => Date;
  /** What fires the daemon's scheduled ticks; default node-cron on SYNC_SCHEDULE. Tests fire them. */
  ticks?: TickSource;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
