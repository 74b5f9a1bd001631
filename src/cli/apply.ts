/** `apply PLAN_FILE`: apply a reviewed plan (src/app/plan-file.ts, src/app/reviewed.ts). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readPlan, PlanFileError } from '../app/plan-file.js';
import { reconcileLocked } from '../app/run.js';
import { parseFlags, readRunFlags, RUN_FLAGS } from './flags.js';
import { UsageError, type CliIo } from './io.js';
import { runLockedCommand } from './locked-run.js';
import { loadSync } from './setup.js';

export async function applyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, RUN_FLAGS, true);
  if (positionals.length !== 1) throw new UsageError(`apply takes one PLAN_FILE (got ${positionals.length}); make one with: secoda-user-sync reconcile --dry-run --out plan.json`);
  const flags = readRunFlags(values, io);
  const setup = loadSync(io);
  const { config, scrub } = setup;

  // Every check of the file comes before the database is opened or a request sent.
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the plan file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let plan;
  try {
    plan = readPlan(text, file, { secodaApi: config.secoda.url, orgApi: config.org.url, maxAgeMs: config.planMaxAgeMs, now: new Date() });
  } catch (err) {
    if (!(err instanceof PlanFileError)) throw err;
    io.stderr.write(`error: ${scrub(err.message)}\n`);
    return 2;
  }
  return runLockedCommand(io, {
    ...setup, flags, label: `apply ${file}`,
    run: (deps, log) => {
      log.info({ file, planRun: plan.runId, actions: plan.actions.length }, `applying the reviewed plan of run ${plan.runId} (${plan.actions.length} action(s))`);
      return reconcileLocked(deps, { dryRun: false, reviewed: plan });
    },
  });
}
