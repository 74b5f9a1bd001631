/** What every command sets up the same way: its configuration, its logger, and its database (waiting with --wait). */
import { resolve } from 'node:path';
import { loadSyncConfig, readEnv, secretsOfEnv, type StoreConfig, type SyncConfig } from '../config/load.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { makeScrubber } from '../observe/scrub.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { CliIo } from './io.js';

export interface SyncSetup {
  config: SyncConfig;
  /** Every secret of the environment: kept out of logs, reports and messages. */
  secrets: string[];
  scrub: (text: string) => string;
}

/** The sync's configuration; every problem with it surfaces here (ConfigError, exit 2), before any request. */
export function loadSync(io: CliIo): SyncSetup {
  const env = readEnv(io.env, io.cwd);
  const config = loadSyncConfig(env);
  const secrets = secretsOfEnv(env);
  return { config, secrets, scrub: makeScrubber(secrets) };
}

export function logger(io: CliIo, level: string, secrets: string[]): Logger {
  return createLogger({ level, pretty: Boolean(io.stderr.isTTY), secrets, stream: io.stderr });
}

export function storeOptions(config: StoreConfig, io: CliIo) {
  return { ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: resolve(io.cwd, config.dataDir) };
}

/** The embedded store admits one process at a time: with --wait, keep trying until the deadline. */
export async function openStoreWaiting(io: CliIo, options: ReturnType<typeof storeOptions> & { background?: boolean }, waitMs: number): Promise<Store> {
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
