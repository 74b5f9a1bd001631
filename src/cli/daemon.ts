import { loadDaemonConfig } from '../config/daemon.js';
import { ConfigError, loadSyncConfig, readEnv, secretsOfEnv } from '../config/load.js';
import { Daemon } from '../daemon/daemon.js';
import { openStore } from '../store/index.js';
import { parseFlags } from './flags.js';
import type { CliIo } from './io.js';
import { logger as cliLogger, storeOptions } from './setup.js';

/** `daemon`: runs until SIGTERM/SIGINT, then stops within SHUTDOWN_TIMEOUT. */
export async function daemonCommand(args: string[], io: CliIo): Promise<number> {
  parseFlags(args, {});
  const env = readEnv(io.env, io.cwd);
  // Both configs are checked before anything starts, and every problem of both is named at once.
  const [sync, daemonConfig] = loadBoth(() => loadSyncConfig(env), () => loadDaemonConfig(env));
  const logger = cliLogger(io, sync.logLevel, secretsOfEnv(env));
  const store = await (io.openStore ?? openStore)(storeOptions(sync, io));
  const daemon = new Daemon({
    sync, daemon: daemonConfig, store, logger,
    ...(io.now ? { now: io.now } : {}), ...(io.ticks ? { ticks: io.ticks } : {}), ...(io.clock ? { clock: io.clock } : {}),
  });
  try {
    await daemon.start();
    // Until a signal, or a database that can never answer again in this process (the embedded one's
    // thread died): every later run would fail, so the daemon stops and exits 1 for its supervisor to
    // restart it (systemd's Restart=on-failure, a pod's restart policy), rather than fail tick after tick.
    let broken: string | undefined;
    await new Promise<void>((resolveStop) => {
      void store.broken.then((why) => {
        broken = why;
        resolveStop();
      });
      if (!io.signal) return; // no way to stop: run forever
      if (io.signal.aborted) return resolveStop();
      io.signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
    if (broken) logger.error({ why: broken }, `the database cannot answer again in this process (${broken}): stopping, exit 1 so that a supervisor restarts the service`);
    else logger.info('shutting down: no new runs, no new writes; letting in-flight requests finish');
    const clean = await daemon.stop();
    logger.info(clean ? 'stopped cleanly' : 'stopped after the shutdown timeout');
    return clean && !broken ? 0 : 1;
  } finally {
    await store.close();
  }
}

function loadBoth<A, B>(a: () => A, b: () => B): [A, B] {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const first = attempt(a);
  const second = attempt(b);
  if (problems.length > 0) throw new ConfigError(problems);
  return [first as A, second as B];
}
