/** What every command sets up the same way: its logger, and its database (waiting with --wait). */
import { resolve } from 'node:path';
import type { StoreConfig } from '../config/load.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { CliIo } from './io.js';

export function logger(io: CliIo, level: string, secrets: string[]): Logger {
  return createLogger({ level, pretty: Boolean(io.stderr.isTTY), secrets, stream: io.stderr });
}

export function storeOptions(config: StoreConfig, io: CliIo) {
  return { ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: resolve(io.cwd, config.dataDir) };
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
