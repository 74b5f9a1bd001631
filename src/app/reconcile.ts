/**
 * One reconcile run: read both sides (no write until both reads are good),
 * plan, record the plan, then — unless it is a dry run — apply it. The dry
 * run prints the very plan an apply would execute.
 */
import { orgUsersToMembers, protectedMatcher } from '../core/normalise.js';
import { memberKey, type Member } from '../core/member.js';
import { computeSyncPlan } from '../core/plan-sync.js';
import type { PlanAction } from '../core/plan.js';
import { planText } from '../render/holds.js';
import type { SyncConfig } from '../config/load.js';
import type { Logger } from '../observe/logger.js';
import type { ActionRecord, RunStatus, Store } from '../store/types.js';
import { applyPlan, ApplyStoreError, type StoredAction } from './apply.js';
import type { PageProgress, ProgressSink, SourcePort, TargetPort } from './ports.js';
import { addsNothing, mergeReads, readSource, type SourceRead } from './pull.js';
import { readBoth, type StopCheck } from './read-both.js';
import { buildReport, summarise, type Report } from './report.js';
import { reviewing } from './reviewed.js';
import type { ReviewedPlan } from './plan-file.js';
import { watchPause } from './pause-watch.js';
import { pauseText } from '../render/pause.js';
import { readGroups } from './groups.js';
import type { ActionDetail } from '../store/types.js';
import { createConfirmer } from './confirm.js';
import { decideSecodaRead, readTarget, type SecodaReadDecision } from './secoda-read.js';

export interface ReconcileDeps {
  config: SyncConfig;
  store: Store;
  source: SourcePort;
  target: TargetPort;
  logger: Logger;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
  /** Wall clock for the run's record (its start is DELETE_AFTER's observation time); default: this process's. */
  now?: () => Date;
  /** How often an apply looks for a pause (pause-watch.ts). */
  pausePollMs?: number;
  /** Whether an error is a request the adapters' HTTP layer cancelled (wire.ts): an interruption, not a failure. */
  cancelled?: (err: unknown) => boolean;
  /**
   * The run lock's holder marking the runs a killed process left `running`
   * (src/app/run-lock.ts): awaited before the store is asked anything, so that
   * a run never reads those as running, nor is marked with them.
   */
  runsSettled?: Promise<unknown>;
}

export interface ReconcileOptions {
  dryRun: boolean;
  /** `--max-deletes N`: lifts both mass-delete caps to N deletes for this one run. */
  maxDeletesOverride?: number;
  /** `--max-demotions N`: lifts both mass-demotion caps to N demotions for this one run. */
  maxDemotionsOverride?: number;
  /**
   * `apply PLAN_FILE`: apply only what the file and the fresh plan both hold
   * (src/app/reviewed.ts); the file lifts the mass guards for those actions.
   */
  reviewed?: ReviewedPlan;
  /** `--refresh`: read Secoda's whole user list whatever the snapshot's age. */
  refresh?: boolean;
}

export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions): Promise<Report> {
  const { config, store, logger } = deps;
  const mode = options.reviewed ? 'apply-plan' : options.dryRun ? 'dry-run' : 'apply';
  /** The run's logger, once the run has an id. */
  let log = logger;
  // A shutdown stops a read between pages: nothing has been written yet.
  const checkAbort = () => {
    if (deps.signal?.aborted) throw new InterruptedError();
  };
  const onOrgPage = (p: PageProgress) => {
    checkAbort();
    deps.onProgress?.({ phase: 'pull', api: 'org', ...p });
  };
  // The org's list needs nothing of the database: it is read from the start, while the run is recorded
  // (a one-shot run's embedded database is still starting on its thread then: ~0.3 s, see store/open.ts).
  // Until both reads run (readBoth, below), only a failure to record the run stops it.
  let stopOrg: StopCheck = () => {};
  // The run begins with that read: its record says so (this process's clock, as for its end and its actions).
  const startedAt = deps.now?.() ?? new Date();
  const orgRead = readSource(deps.source, { warn: (...args: Parameters<Logger['warn']>) => log.warn(...args) }, (p) => (stopOrg(), onOrgPage(p)));
  // Observed at once: a failure is the run's error when awaited, never an unhandled rejection meanwhile.
  orgRead.catch(() => {});
  /** The run failed: the org read stops at its next page, and has settled when this resolves. */
  const stopOrgRead = async () => {
    stopOrg = stopReadBeforeRun;
    await orgRead.catch(() => {});
  };
  let secodaDecision: SecodaReadDecision;
  let runId: number;
  try {
    await deps.runsSettled;
    // How to read Secoda is decided on the run before this one, so before this one is recorded.
    secodaDecision = decideSecodaRead({
      refreshMs: config.secodaRefreshMs,
      // A reviewed plan is applied against both sides read again, as they are now.
      refresh: options.reviewed ? 'apply PLAN_FILE reads both sides again' : (options.refresh ?? false),
      previous: await store.latestRun(), now: deps.now?.() ?? new Date(),
    });
    runId = await store.createRun(mode, startedAt);
  } catch (err) {
    // No run to record this in: the error is the caller's, once the org read has stopped.
    await stopOrgRead();
    throw err;
  }
  log = logger.child({ runId });
  log.info({ mode }, `run ${runId} started`);
  const review = reviewing(options.reviewed);
  /** Writes sent to Secoda in this run (an error after one is never "before any write"). */
  let sent = 0;
  /** The run's action rows once they are final (a run that failed reads them again). */
  let finalActions: ActionRecord[] | undefined;
  /** The full read's snapshot write, under way while the run plans (src/app/secoda-read.ts). */
  let snapshotSaved: (() => Promise<void>) | undefined;
  /** The org snapshot's write, under way while Secoda is read and the run plans. */
  let orgSaved: Promise<void> | undefined;

  try {
    // Reads first, both of them: a failed or malformed read aborts before any write.
    // The workspace and org API this run is for: a dry run's report is a plan for exactly these.
    await store.updateRun(runId, { secodaApi: config.secoda.url, orgApi: config.org.url, ...review.runFields });
    const onSecodaPage = (stopped: StopCheck) => (p: PageProgress) => {
      stopped();
      checkAbort();
      deps.onProgress?.({ phase: 'pull', api: 'secoda', ...p });
    };
    // Both APIs at once (src/app/read-both.ts). The org snapshot is stored while Secoda is still being read
    // and the run plans: nothing before the first write needs it, and on Postgres, where it has a connection
    // of its own, planning waited ~0.2 s for it (20,000 users, a first run). Awaited before the first write.
    const [firstRead, targetRead] = await readBoth(
      async (stopped) => {
        stopOrg = stopped;
        const read = await orgRead;
        orgSaved = store.saveOrgSnapshot(runId, read.users);
        // Observed at once: a failure is the run's error when awaited, never an unhandled rejection meanwhile.
        orgSaved.catch(() => {});
        return read;
      },
      async (stopped) => {
        const read = await readTarget(deps.target, store, secodaDecision, onSecodaPage(stopped));
        snapshotSaved = read.snapshotSaved;
        // GROUP_MAP: the groups are read (and checked) before any write too; always live, they are not in the snapshot.
        const groups = config.groupMap ? await readGroups(deps.target, store, config.groupMap, read.current, onSecodaPage(stopped)) : undefined;
        return { ...read, groups };
      },
    );
    let source = firstRead;
    checkAbort();
    const { current, groups: groupRead } = targetRead;
    let secodaRead = targetRead.record;
    await store.updateRun(runId, { secodaRead });
    log.info({ secodaRead: secodaRead.mode, snapshotAt: secodaRead.snapshotAt }, `Secoda ${secodaRead.mode === 'full' ? 'list read in full' : 'planned from the snapshot'}: ${secodaRead.reason}`);

    // Read after the (long) reads, just before planning: a pause made meanwhile holds this run.
    const { pause, deleteAfter, observedAt } = await gracePeriodAndPause(store, runId, config.deleteAfterMs);
    // Only then is a full read written to the snapshot, while the run plans and reads the org again: on PGlite
    // a transaction holds the only connection, and the statements above waited for all of a first run's
    // 20,000 rows (~0.3 s before the run could plan).
    await targetRead.startSave();
    const override = review.maxOverride ?? options.maxDeletesOverride;
    const demotionOverride = review.maxOverride ?? options.maxDemotionsOverride;
    const planFor = (read: SourceRead, current: Member[]) => {
      const members = orgUsersToMembers(read.users, {
        roleMap: config.roleMap, defaultRole: config.defaultRole, roleOrder: deps.target.vocabulary.roles,
        ...(config.groupMap ? { groupMap: config.groupMap } : {}),
      });
      return {
        desired: members,
        plan: computeSyncPlan(members, current, {
          ...(groupRead ? { groups: { names: groupRead.names, found: groupRead.found } } : {}),
          syncNames: config.syncNames,
          roleOrder: deps.target.vocabulary.roles,
          adminRole: deps.target.vocabulary.adminRole,
          isProtected: protectedMatcher(config.protectedEmails),
          deleteHolds: read.deleteHolds,
          maxDeletes: override ?? config.maxDeletes,
          maxDeletePercent: override !== undefined ? null : config.maxDeletePercent,
          maxDemotions: demotionOverride ?? config.maxDemotions,
          maxDemotionPercent: demotionOverride !== undefined ? null : config.maxDemotionPercent,
          keyOwner: config.secodaKeyOwner ? memberKey(config.secodaKeyOwner) : null,
          ...review.planOptions,
          deleteAfter,
          paused: pause,
        }),
      };
    };
    let { desired, plan } = planFor(source, current);
    // A pull of several pages can miss a user who slid onto a page already read (one
    // user left, another joined: the count still matches). Before deleting on the
    // strength of such a pull, read the source once more; only users absent from
    // both pulls are deleted.
    if (source.pages > 1 && plan.actions.some((a) => a.type === 'delete' && a.status === 'planned')) {
      log.info({ pages: source.pages }, 'deletes planned: reading the source once more to confirm who left');
      const again = await readSource(deps.source, log, onOrgPage);
      const unchanged = addsNothing(source, again);
      source = mergeReads(source, again);
      if (!unchanged) ({ desired, plan } = planFor(source, current));
    }
    const stale = review.settle(plan);
    const worded = planText(plan);
    for (const hold of worded.holds) log.warn({ hold }, 'held');
    // Every planning run is an observation for DELETE_AFTER (dry, held and paused runs too).
    await store.recordMissing(runId, observedAt, plan.actions.filter((a) => a.type === 'delete').map((a) => ({ key: a.key, email: a.email })));

    const ids = await store.addActions(runId, [...plan.actions.map((a, seq) => ({
      seq, type: a.type, email: a.email, name: a.name || null, secodaId: a.id ?? null,
      fromRole: a.from ?? null, toRole: a.to ?? null, status: a.status, ...(a.dueAt ? { dueAt: a.dueAt } : {}), detail: detailOf(a),
    })), ...stale.map((row, i) => ({ ...row, seq: plan.actions.length + i }))]);
    const stored: StoredAction[] = plan.actions.map((a, i) => ({ ...a, actionId: ids[i]! }));
    await store.updateRun(runId, {
      sourceUsers: desired.length,
      targetUsers: current.length,
      targetManaged: plan.managed,
      holds: worded.holds,
      skipped: worded.skipped,
      notes: [...source.notes, ...worded.notes, ...(groupRead?.notes ?? [])],
      summary: summarise(plan.actions, plan.unchanged, plan.skipped.length),
    });
    log.info(
      {
        invite: count(plan.actions, 'invite'), update_role: count(plan.actions, 'update_role'), delete: count(plan.actions, 'delete'),
        update_name: count(plan.actions, 'update_name'), group: count(plan.actions, 'group'), unchanged: plan.unchanged, holds: plan.holds.length,
      },
      `planned ${plan.actions.length} action(s)`,
    );

    let status: RunStatus = plan.holds.length > 0 ? 'held' : 'succeeded';
    let error: string | null = null;
    if (source.invalid.length > 0) {
      status = 'failed';
      error = `${source.invalid.length} source record(s) failed validation; deletes withheld`;
    }
    let holds = worded.holds;
    // Both snapshots are stored before any write (each outcome updates Secoda's) and before a run ends.
    await orgSaved;
    await targetRead.snapshotSaved();
    if (!options.dryRun) {
      const watch = watchPause(store, deps.signal, log, deps.pausePollMs);
      const confirmer = targetRead.records && createConfirmer({
        target: deps.target, store, runId, records: targetRead.records, logger: log, adminRole: deps.target.vocabulary.adminRole,
        replan: (members) => planFor(source, members).plan, nextSeq: plan.actions.length + stale.length,
      });
      const result = await applyPlan(stored, {
        target: deps.target, store, logger: log, concurrency: config.maxConcurrency, signal: watch.signal,
        ...(confirmer ? { confirm: confirmer } : {}),
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      }).finally(() => watch.stop());
      const pausedNow = watch.pause();
      if (pausedNow) holds = [...holds, `${pauseText(pausedNow)}; stopped this run's writes`];
      sent = result.succeeded + result.failed;
      if (confirmer) {
        secodaRead = { ...secodaRead, ...confirmer.counts() };
        await store.updateRun(runId, { secodaRead });
      }
      if (result.failed > 0) {
        status = 'failed';
        error = result.authFailure
          ? `${result.authFailure} (stopped after it; ${result.notDispatched} action(s) not attempted)`
          : `${result.failed} action(s) failed${error ? `; ${error}` : ''}`;
      }
      if (result.interrupted) {
        status = 'interrupted';
        error = `interrupted by ${abortReason(watch.signal)}: ${result.succeeded} action(s) done, ${result.failed} failed, ${result.notDispatched} not started`;
      }
    }
    const actions = await store.listActions(runId);
    await store.updateRun(runId, {
      status, error, finishedAt: deps.now?.() ?? new Date(), holds,
      summary: summarise(actions, plan.unchanged, plan.skipped.length),
    });
    // Nothing changes an action after this: the report reads the same rows (2,000 of them: ~35 ms on PGlite).
    finalActions = actions;
  } catch (err) {
    // Never left reading or writing behind a failed run (their own failures, if any, are symptoms of this one's).
    await stopOrgRead();
    await snapshotSaved?.().catch(() => {});
    await orgSaved?.catch(() => {});
    const message = (err as Error).message ?? String(err);
    if (err instanceof ApplyStoreError) sent = err.dispatched;
    // Only the shutdown itself, before any write, is "interrupted before any write"; a store failure is a failure.
    const byAbort = err instanceof InterruptedError || deps.cancelled?.(err) === true;
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
  const report = buildReport(run!, finalActions ?? (await store.listActions(runId)));
  log.info({ status: report.status }, `run ${runId} ${report.status}`);
  return report;
}

/** The open pause and DELETE_AFTER's clock, for the plan; this run's start is the observation time. */
async function gracePeriodAndPause(store: Store, runId: number, deleteAfterMs: number) {
  const open = await store.currentPause();
  const observedAt = (await store.getRun(runId))!.startedAt;
  const missingSince = new Map((await store.listMissing()).map((m) => [m.key, m.since] as const));
  return {
    pause: open ? { reason: open.reason, since: open.since, by: open.by } : null,
    deleteAfter: { ms: deleteAfterMs, now: observedAt, missingSince },
    observedAt,
  };
}

/** Who stopped the run: callers abort with a string reason ("losing the run lock"); plain abort() is a shutdown. */
export function abortReason(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === 'string' ? signal.reason : 'a shutdown';
}

/** Stops the org read at its next page: the run failed before it was needed. */
const stopReadBeforeRun: StopCheck = () => {
  throw new ReadStoppedError();
};

class ReadStoppedError extends Error {
  override name = 'ReadStoppedError';
  constructor() {
    super('stopped: the run failed');
  }
}

class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor() {
    super('interrupted by a shutdown');
  }
}

/** What an action carries beyond a role, for its record; null for plain role actions. */
function detailOf(a: PlanAction): ActionDetail | null {
  const detail: ActionDetail = {
    ...(a.fromName !== undefined ? { fromName: a.fromName } : {}),
    ...(a.groups?.length ? { groups: a.groups } : {}),
    ...(a.group ? { group: a.group } : {}),
  };
  return Object.keys(detail).length > 0 ? detail : null;
}

function count(actions: readonly { type: string }[], type: string): number {
  return actions.filter((a) => a.type === type).length;
}
