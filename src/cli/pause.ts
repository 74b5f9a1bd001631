/**
 * `pause --reason TEXT` and `resume`: the pause lives in the database, so the
 * daemon (every replica) and one-shot runs all see it at their next run.
 * While paused, runs still read and plan, and write nothing (held, exit 3).
 */
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadStoreConfig, readEnv } from '../config/load.js';
import { pauseText } from '../render/pause.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { parseFlags } from './flags.js';
import { UsageError, type CliIo } from './io.js';

/** Who paused or resumed, when --by does not say: user@host of this process. */
function whoAmI(io: CliIo): string {
  let user = io.env.USER ?? io.env.USERNAME;
  try {
    user = userInfo().username || user;
  } catch {
    /* no passwd entry (a container's numeric uid): the environment's name, if any */
  }
  return `${user ?? 'unknown'}@${hostname()}`;
}

async function withStore<T>(io: CliIo, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadStoreConfig(readEnv(io.env, io.cwd));
  const store = await (io.openStore ?? openStore)({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: resolve(io.cwd, config.dataDir) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function byOf(value: string | undefined, io: CliIo): string {
  if (value === undefined) return whoAmI(io);
  if (!value.trim()) throw new UsageError('--by must name someone (or leave it out for user@host)');
  return value.trim();
}

export async function pauseCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { reason: { type: 'string' }, by: { type: 'string' } });
  const reason = values.reason?.trim();
  if (!reason) throw new UsageError('pause needs --reason TEXT: it is shown in every run, alert and report while paused');
  const by = byOf(values.by, io);
  return withStore(io, async (store) => {
    const { pause, created } = await store.pause(reason, by, io.now?.());
    if (!created) {
      io.stderr.write(`already ${pauseText(pause)}; the reason was not changed (resume first to pause with another)\n`);
    }
    io.stdout.write(`${pauseText(pause)}\nRuns still read and plan but write nothing (held, exit 3) until: secoda-user-sync resume\n`);
    return 0;
  });
}

export async function resumeCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { by: { type: 'string' } });
  const by = byOf(values.by, io);
  return withStore(io, async (store) => {
    const closed = await store.resume(by, io.now?.());
    if (!closed) {
      io.stdout.write('not paused: nothing to resume\n');
      return 0;
    }
    io.stdout.write(`resumed by ${by} (${pauseText(closed)}); the next run writes again\n`);
    return 0;
  });
}
