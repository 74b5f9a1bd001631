/**
 * One reconcile run: read both sides (no write until both reads are good),
 * plan, record the plan, then — unless it is a dry run — apply it. The dry
 * run prints the very plan an apply would execute.
 */
import { orgUsersToMembers, protectedMatcher } from '../core/normalise.js';
import { memberKey } from '../core/member.js';
import { computePlan } from '../core/plan.js';
import { SECODA_VOCABULARY } from '../adapters/secoda-roles.js';
import { planText } from '../render/holds.js';
import type { SyncConfig } from '../config/load.js';
import type { Logger } from '../observe/logger.js';
import type { RunStatus, Store } from '../store/types.js';
import { applyPlan, ApplyStoreError, type StoredAction } from './apply.js';
import type { PageProgress, ProgressSink, SourcePort, TargetPort } from './ports.js';
import { mergeReads, readSource, type SourceRead } from './pull.js';
import { readBoth } from './read-both.js';
import { buildReport, summarise, type Report } from './report.js';

export interface ReconcileDeps {
  config: SyncConfig;
  store: Store;
  source: SourcePort;
  target: TargetPort;
  logger: Logger;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
}

export interface ReconcileOptions {
  dryRun: boolean;
  /** `--max-deletes N`: lifts both mass-delete caps to N deletes for this one run. */
  maxDeletesOverride?: number;
  /** `--max-demotions N`: lifts both mass-demotion caps to N demotions for this one run. */
  maxDemotionsOverride?: number;
}

export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions): Promise<Report> {
  const { config, store, logger } = deps;
  const runId = await store.createRun(options.dryRun ? 'dry-run' : 'apply');
  const log = logger.child({ runId });
  log.info({ mode: options.dryRun ? 'dry-run' : 'apply' }, `run ${runId} started`);
  /** Writes sent to Secoda in this run (an error after one is never "before any write"). */
  let sent = 0;

  try {
    // Reads first, both of them: a failed or malformed read aborts before any write.
    // A shutdown stops a read between pages: nothing has been written yet.
    const checkAbort = () => {
      if (deps.signal?.aborted) throw new InterruptedError();
    };
    const onOrgPage = (p: PageProgress) => {
      checkAbort();
      deps.onProgress?.({ phase: 'pull', api: 'org', ...p });
    };
    // Both APIs at once (src/app/read-both.ts); the org snapshot is stored while Secoda is still being read.
    const [firstRead, current] = await readBoth(
      async (stopped) => {
        const read = await readSource(deps.source, log, (p) => (stopped(), onOrgPage(p)));
        await store.saveOrgSnapshot(runId, read.users);
        return read;
      },
      (stopped) => deps.target.listMembers((p) => {
        stopped();
        checkAbort();
        deps.onProgress?.({ phase: 'pull', api: 'secoda', ...p });
      }),
    );
    let source = firstRead;
    checkAbort();
    await store.replaceSecodaSnapshot(current);

    const override = options.maxDeletesOverride;
    const planFor = (read: SourceRead) => {
      const members = orgUsersToMembers(read.users, { roleMap: config.roleMap, defaultRole: config.defaultRole, roleOrder: SECODA_VOCABULARY.roles });
      return {
        desired: members,
        plan: computePlan(members, current, {
          roleOrder: SECODA_VOCABULARY.roles,
          adminRole: SECODA_VOCABULARY.adminRole,
          isProtected: protectedMatcher(config.protectedEmails),
          deleteHolds: read.deleteHolds,
          maxDeletes: override ?? config.maxDeletes,
          maxDeletePercent: override !== undefined ? null : config.maxDeletePercent,
          maxDemotions: options.maxDemotionsOverride ?? config.maxDemotions,
          maxDemotionPercent: options.maxDemotionsOverride !== undefined ? null : config.maxDemotionPercent,
          keyOwner: config.secodaKeyOwner ? memberKey(config.secodaKeyOwner) : null,
        }),
      };
    };
    let { desired, plan } = planFor(source);
    // A pull of several pages can miss a user who slid onto a page already read (one
    // user left, another joined: the count still matches). Before deleting on the
    // strength of such a pull, read the source once more; only users absent from
    // both pulls are deleted.
    if (source.pages > 1 && plan.actions.some((a) => a.type === 'delete' && a.status === 'planned')) {
      log.info({ pages: source.pages }, 'deletes planned: reading the source once more to confirm who left');
      source = mergeReads(source, await readSource(deps.source, log, onOrgPage));
      ({ desired, plan } = planFor(source));
    }
    const worded = planText(plan);
    for (const hold of worded.holds) log.warn({ hold }, 'held');

    const ids = await store.addActions(runId, plan.actions.map((a, seq) => ({
      seq, type: a.type, email: a.email, name: a.name || null, secodaId: a.id ?? null,
      fromRole: a.from ?? null, toRole: a.to ?? null, status: a.status,
    })));
    const stored: StoredAction[] = plan.actions.map((a, i) => ({ ...a, actionId: ids[i]! }));
    await store.updateRun(runId, {
      sourceUsers: desired.length,
      targetUsers: current.length,
      targetManaged: plan.managed,
      holds: worded.holds,
      skipped: worded.skipped,
      notes: [...source.notes, ...worded.notes],
      summary: summarise(plan.actions, plan.unchanged, plan.skipped.length),
    });
    log.info(
      { invite: count(plan.actions, 'invite'), update_role: count(plan.actions, 'update_role'), delete: count(plan.actions, 'delete'), unchanged: plan.unchanged, holds: plan.holds.length },
      `planned ${plan.actions.length} action(s)`,
    );

    let status: RunStatus = plan.holds.length > 0 ? 'held' : 'succeeded';
    let error: string | null = null;
    if (source.invalid.length > 0) {
      status = 'failed';
      error = `${source.invalid.length} source record(s) failed validation; deletes withheld`;
    }
    if (!options.dryRun) {
      const result = await applyPlan(stored, {
        target: deps.target, store, logger: log, concurrency: config.maxConcurrency,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      });
      sent = result.succeeded + result.failed;
      if (result.failed > 0) {
        status = 'failed';
        error = result.authFailure
          ? `${result.authFailure} (stopped after it; ${result.notDispatched} action(s) not attempted)`
          : `${result.failed} action(s) failed${error ? `; ${error}` : ''}`;
      }
      if (result.interrupted) {
        status = 'interrupted';
        error = `interrupted by ${abortReason(deps.signal)}: ${result.succeeded} action(s) done, ${result.failed} failed, ${result.notDispatched} not started`;
      }
    }
    const actions = await store.listActions(runId);
    await store.updateRun(runId, {
      status, error, finishedAt: new Date(),
      summary: summarise(actions, plan.unchanged, plan.skipped.length),
    });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (err instanceof ApplyStoreError) sent = err.dispatched;
    // Only the shutdown itself, before any write, is "interrupted before any write"; a store failure is a failure.
    const byAbort = err instanceof InterruptedError || (err as { code?: string }).code === 'E_ABORTED';
    if (deps.signal?.aborted && sent === 0 && byAbort) {
      log.warn(`run ${runId} interrupted before its first write`);
      await store.updateRun(runId, { status: 'interrupted', error: `interrupted by ${abortReason(deps.signal)} before any write`, finishedAt: new Date() });
    } else {
      const during = deps.signal?.aborted ? ` (${abortReason(deps.signal)} had been requested)` : '';
      log.error({ code: (err as { code?: string }).code }, `run ${runId} failed: ${message}${during}`);
      await store.updateRun(runId, { status: 'failed', error: `${message}${during}`, finishedAt: new Date() });
    }
  }

  const run = await store.getRun(runId);
  const report = buildReport(run!, await store.listActions(runId));
  log.info({ status: report.status }, `run ${runId} ${report.status}`);
  return report;
}

/** Who stopped the run: callers abort with a string reason ("losing the run lock"); plain abort() is a shutdown. */
function abortReason(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === 'string' ? signal.reason : 'a shutdown';
}

class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor() {
    super('interrupted by a shutdown');
  }
}

function count(actions: readonly { type: string }[], type: string): number {
  return actions.filter((a) => a.type === type).length;
}
