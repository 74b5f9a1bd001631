/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: stop dispatching writes, finish in-flight ones. */
  signal?: AbortSignal;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
