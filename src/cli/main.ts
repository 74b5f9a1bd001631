import { ConfigError, readEnv, secretsOfEnv } from '../config/load.js';
import { makeScrubber } from '../observe/scrub.js';
import { commandHelp, COMMAND_HELP, mainHelp } from './help.js';
import { migrateCommand, reconcileCommand, reportCommand } from './commands.js';
import { applyCommand } from './apply.js';
import { undoCommand } from './undo.js';
import { pauseCommand, resumeCommand } from './pause.js';
import { UsageError, type CliIo } from './io.js';

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  reconcile: reconcileCommand,
  report: reportCommand,
  migrate: migrateCommand,
  // Loaded when asked for: the daemon's modules (scheduler, metrics, HTTP server) are start-up time every other command would pay.
  daemon: async (args, io) => (await import('./daemon.js')).daemonCommand(args, io),
  apply: applyCommand,
  undo: undoCommand,
  pause: pauseCommand,
  resume: resumeCommand,
};

/** Runs one CLI invocation and returns its exit code; never calls process.exit. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    io.stdout.write(topic && COMMAND_HELP[topic] ? commandHelp(topic) : mainHelp());
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr.write(`Unknown command "${command}".\n\n${mainHelp()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\nSee: secoda-user-sync ${command} --help\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`configuration error: ${err.message}\nSee .env.example or: secoda-user-sync ${command} --help\n`);
      return 2;
    }
    io.stderr.write(`error: ${scrubFor(io)((err as Error).message ?? String(err))}\n`);
    return 1;
  }
}

function scrubFor(io: CliIo): (s: string) => string {
  try {
    return makeScrubber(secretsOfEnv(readEnv(io.env, io.cwd)));
  } catch {
    return (s) => s;
  }
}
