/** `undo RUN_ID [--dry-run]`: reverse a past run's succeeded actions (src/app/undo.ts). */
import { runLocked } from '../app/run.js';
import { undo, UndoRefusedError } from '../app/undo.js';
import { parseCount, parseFlags, PLANNING_FLAGS, readRunFlags, RUN_FLAGS } from './flags.js';
import { UsageError, type CliIo } from './io.js';
import { runLockedCommand } from './locked-run.js';
import { loadSync } from './setup.js';

export async function undoCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...RUN_FLAGS, ...PLANNING_FLAGS }, true);
  if (positionals.length !== 1) throw new UsageError(`undo takes one RUN_ID (got ${positionals.length}); see: secoda-user-sync report --list`);
  const runId = parseCount('RUN_ID', positionals[0])!;
  const flags = readRunFlags(values, io);
  const setup = loadSync(io);
  const { dryRun } = flags;
  return runLockedCommand(io, {
    ...setup, flags, label: `undo ${runId}${dryRun ? ' --dry-run' : ''}`,
    refusal: (err) => err instanceof UndoRefusedError,
    run: (deps) => runLocked(deps, (run) => undo(run, { runId, dryRun, ...flags.caps })),
  });
}
