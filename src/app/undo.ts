/**
 * `undo RUN_ID`: a run of its own (mode `undo`, naming the run it reverses)
 * that reads Secoda, plans the reverse of the old run's succeeded actions
 * against Secoda as it is now (src/core/undo.ts) and, unless it is a dry run,
 * applies it with the same applyPlan, lock and recording as a reconcile. The
 * org is not read: an undo puts Secoda back, it does not follow the source —
 * so the next sync redoes the change unless its cause is fixed or the sync is
 * paused, and every undo report says so.
 */
import { memberKey } from '../core/member.js';
import { protectedMatcher } from '../core/normalise.js';
import { planUndo, type DoneAction } from '../core/undo.js';
import { holdText, undoSkipText } from '../render/holds.js';
import type { ActionRecord, RunRecord, RunStatus, Store } from '../store/types.js';
import { applyPlan, ApplyStoreError, type StoredAction } from './apply.js';
import { abortReason, type ReconcileDeps } from './reconcile.js';
import { buildReport, summarise, type Report } from './report.js';

export interface UndoOptions {
  /** The run to reverse. */
  runId: number;
  dryRun: boolean;
  maxDeletesOverride?: number;
  maxDemotionsOverride?: number;
}

/** An undo refused before any run is recorded or request sent (exit 2). */
export class UndoRefusedError extends Error {
  override name = 'UndoRefusedError';
}

export const REDO_NOTE =
  'the next sync makes these changes again unless their cause is fixed (the org list, ROLE_MAP, the rules) ' +
  'or the sync is paused (secoda-user-sync pause)';

/** The run to reverse, if it is one that can be: it exists, is finished, and was not a dry run. */
export async function undoableRun(store: Store, runId: number): Promise<RunRecord> {
  const run = await store.getRun(runId);
  if (!run) throw new UndoRefusedError(`no run ${runId} in the database (see: secoda-user-sync report --list)`);
  if (run.mode === 'dry-run' || run.mode === 'undo-dry-run') throw new UndoRefusedError(`run ${runId} was a dry run: it changed nothing to undo`);
  if (run.status === 'running') throw new UndoRefusedError(`run ${runId} is still running: undo it once it has finished`);
  return run;
}

export async function undo(deps: ReconcileDeps, options: UndoOptions): Promise<Report> {
  const { config, store, logger } = deps;
  await deps.runsSettled;
  await undoableRun(store, options.runId);
  const mode = options.dryRun ? 'undo-dry-run' : 'undo';
  const runId = await store.createRun(mode);
  const log = logger.child({ runId, undoOf: options.runId });
  log.info({ mode }, `run ${runId} started: undo of run ${options.runId}`);
  await store.updateRun(runId, { undoOf: options.runId, secodaApi: config.secoda.url });
  let sent = 0;
  try {
    const succeeded = (await store.listActions(options.runId)).filter((a) => a.status === 'succeeded');
    const done = succeeded.flatMap(doneOf);
    // Renames and group writes follow the org: the next sync makes them again, so undo leaves them.
    const notReversed = succeeded.length - done.length;
    const current = await deps.target.listMembers((p) => {
      if (deps.signal?.aborted) throw new Error('interrupted');
      deps.onProgress?.({ phase: 'pull', api: 'secoda', ...p });
    });
    await store.replaceSecodaSnapshot(current);
    const override = { deletes: options.maxDeletesOverride, demotions: options.maxDemotionsOverride };
    const plan = planUndo(done, current, {
      roleOrder: deps.target.vocabulary.roles,
      adminRole: deps.target.vocabulary.adminRole,
      isProtected: protectedMatcher(config.protectedEmails),
      keyOwner: config.secodaKeyOwner ? memberKey(config.secodaKeyOwner) : null,
      maxDeletes: override.deletes ?? config.maxDeletes,
      maxDeletePercent: override.deletes !== undefined ? null : config.maxDeletePercent,
      maxDemotions: override.demotions ?? config.maxDemotions,
      maxDemotionPercent: override.demotions !== undefined ? null : config.maxDemotionPercent,
    });
    const holds = plan.holds.map((h) => holdText(h, `undo ${options.runId}`));
    for (const hold of holds) log.warn({ hold }, 'held');
    const rows = plan.steps.map(({ action: a, skip }, seq) => ({
      seq, type: a.type, email: a.email, name: a.name || null, secodaId: a.id ?? null, fromRole: a.from ?? null, toRole: a.to ?? null,
      status: skip ? ('skipped' as const) : a.status, reason: skip ? undoSkipText(skip) : null,
    }));
    const ids = await store.addActions(runId, rows);
    const stored: StoredAction[] = plan.steps.flatMap((s, i) => (s.skip ? [] : [{ ...s.action, actionId: ids[i]! }]));
    await store.updateRun(runId, {
      targetUsers: current.length, targetManaged: plan.managed, holds,
      notes: [
        `reverses the ${done.length} succeeded action(s) of run ${options.runId}; ${REDO_NOTE}`,
        ...(notReversed > 0 ? [`${notReversed} rename or group write(s) of run ${options.runId} not reversed: names and group members follow the org (SYNC_NAMES, GROUP_MAP)`] : []),
      ],
      summary: summarise(rows, 0, 0),
    });

    let status: RunStatus = holds.length > 0 ? 'held' : 'succeeded';
    let error: string | null = null;
    if (!options.dryRun) {
      const result = await applyPlan(stored, {
        target: deps.target, store, logger: log, concurrency: config.maxConcurrency,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      });
      sent = result.succeeded + result.failed;
      if (result.failed > 0) {
        status = 'failed';
        error = result.authFailure ? `${result.authFailure} (stopped after it; ${result.notDispatched} action(s) not attempted)` : `${result.failed} action(s) failed`;
      }
      if (result.interrupted) {
        status = 'interrupted';
        error = `interrupted by ${abortReason(deps.signal)}: ${result.succeeded} action(s) done, ${result.failed} failed, ${result.notDispatched} not started`;
      }
    }
    await store.updateRun(runId, { status, error, finishedAt: new Date(), summary: summarise(await store.listActions(runId), 0, 0) });
  } catch (err) {
    if (err instanceof ApplyStoreError) sent = err.dispatched;
    const message = (err as Error).message ?? String(err);
    const interrupted = deps.signal?.aborted && sent === 0;
    log.error({ code: (err as { code?: string }).code }, `run ${runId} failed: ${message}`);
    await store.updateRun(runId, {
      status: interrupted ? 'interrupted' : 'failed',
      error: interrupted ? `interrupted by ${abortReason(deps.signal)} before any write` : message,
      finishedAt: new Date(),
    });
  }
  const run = await store.getRun(runId);
  const report = buildReport(run!, await store.listActions(runId));
  log.info({ status: report.status }, `run ${runId} ${report.status}`);
  return report;
}

/** The role and membership actions undo reverses; none for renames and group writes. */
function doneOf(a: ActionRecord): DoneAction[] {
  if (a.type !== 'invite' && a.type !== 'update_role' && a.type !== 'delete') return [];
  return [{
    type: a.type, email: a.email, name: a.name ?? '',
    ...(a.secodaId ? { id: a.secodaId } : {}), ...(a.fromRole ? { from: a.fromRole } : {}), ...(a.toRole ? { to: a.toRole } : {}),
  }];
}
