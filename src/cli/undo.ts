/** `undo RUN_ID [--dry-run]`: reverse a past run's succeeded actions (src/app/undo.ts). */
import { runLocked } from '../app/run.js';
import { undo, UndoRefusedError } from '../app/undo.js';
import { loadSyncConfig, readEnv, secretsOfEnv } from '../config/load.js';
import { makeScrubber } from '../observe/scrub.js';
import { parseCount, parseFlags, parseFormat } from './flags.js';
import { UsageError, type CliIo } from './io.js';
import { runLockedCommand } from './locked-run.js';

export async function undoCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    'dry-run': { type: 'boolean' },
    format: { type: 'string' },
    out: { type: 'string' },
    'max-deletes': { type: 'string' },
    'max-demotions': { type: 'string' },
    wait: { type: 'string' },
  }, true);
  if (positionals.length !== 1) throw new UsageError(`undo takes one RUN_ID (got ${positionals.length}); see: secoda-user-sync report --list`);
  const runId = parseCount('RUN_ID', positionals[0])!;
  const formats = parseFormat(values.format, values.out, Boolean(io.stdout.isTTY));
  const maxDeletes = parseCount('--max-deletes', values['max-deletes']);
  const maxDemotions = parseCount('--max-demotions', values['max-demotions']);
  const waitSeconds = parseCount('--wait', values.wait) ?? 0;
  const env = readEnv(io.env, io.cwd);
  const config = loadSyncConfig(env);
  const secrets = secretsOfEnv(env);
  const dryRun = Boolean(values['dry-run']);
  return runLockedCommand(io, {
    config, secrets, scrub: makeScrubber(secrets), label: `undo ${runId}${dryRun ? ' --dry-run' : ''}`, waitSeconds, formats, out: values.out,
    refusal: (err) => err instanceof UndoRefusedError,
    run: (deps) => runLocked(deps, (run) => undo(run, {
      runId, dryRun,
      ...(maxDeletes !== undefined ? { maxDeletesOverride: maxDeletes } : {}),
      ...(maxDemotions !== undefined ? { maxDemotionsOverride: maxDemotions } : {}),
    })),
  });
}
