/**
 * The background service: reconciles on a cron schedule, one run at a time
 * per database (the run lock), and stops cleanly. A failed run never stops
 * the daemon; the next tick re-plans from fresh reads.
 */
import cron from 'node-cron';
import type { Report } from '../app/report.js';
import { reconcileLocked } from '../app/run.js';
import { RunLockBusyError, RunLockError } from '../app/run-lock.js';
import type { DaemonConfig } from '../config/daemon.js';
import type { SyncConfig } from '../config/load.js';
import type { Clock } from '../http/wait.js';
import type { Logger } from '../observe/logger.js';
import { createProgress } from '../observe/progress.js';
import type { RunLock, Store } from '../store/types.js';
import { decideAlert, observe } from './alert-policy.js';
import { sendAlert } from './alerts.js';
import { startHealthServer } from './health.js';
import { Metrics } from './metrics.js';

const DAY_MS = 86_400_000;

/** Scheduled ticks once started: when the next is due (if known), and how to stop them. */
export interface ScheduledTicks {
  nextRun(): Date | null;
  stop(): Promise<void>;
}

/**
 * What fires the scheduled ticks of `schedule` (cron, in `timezone`). The
 * default is node-cron; an embedding (or a test) may fire them itself, and
 * may await a tick's outcome.
 */
export type TickSource = (schedule: string, timezone: string, onTick: () => Promise<TickOutcome>) => ScheduledTicks;

const cronTicks: TickSource = (schedule, timezone, onTick) => {
  const task = cron.schedule(schedule, () => void onTick(), { timezone, name: 'reconcile' });
  return {
    nextRun: () => task.getNextRun(),
    async stop() {
      await task.stop();
      await task.destroy();
    },
  };
};

export interface DaemonDeps {
  sync: SyncConfig;
  daemon: DaemonConfig;
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  /** Wall clock for runs' records and alert timing (tests move it); default: real time. */
  now?: () => Date;
  /** Fires the scheduled ticks; default cronTicks (node-cron on daemon.schedule). */
  ticks?: TickSource;
  /** The HTTP clients' time source (backoff, pauses, rate windows), as for a one-shot run; default: real time. */
  clock?: Clock;
}

export type TickOutcome = 'ran' | 'busy' | 'not-leader' | 'stopping';

export class Daemon {
  readonly metrics: Metrics;
  private task: ScheduledTicks | undefined;
  private health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  private current: Promise<void> | undefined;
  /** Aborted on shutdown: the running reconcile dispatches no new write. */
  private readonly stopping = new AbortController();
  /** Aborted when the shutdown timeout runs out: in-flight requests are cancelled too. */
  private readonly hardStop = new AbortController();
  private lastRun: { id: number; status: string; finishedAt: string | null } | null = null;
  private lastPrune = 0;
  private leadership: RunLock | undefined;
  /** Aborts the run in progress (shutdown, or leadership lost). */
  private runAbort: AbortController | undefined;

  constructor(private readonly deps: DaemonDeps) {
    this.metrics = deps.metrics ?? new Metrics();
    // Read at each scrape: a pause made by any process shows at once, on every replica.
    this.metrics.trackPause(() => deps.store.currentPause());
  }

  get port(): number | undefined {
    return this.health?.port;
  }

  async start(): Promise<void> {
    const { daemon, logger, store } = this.deps;
    const recent = await store.listRuns(50);
    const latest = recent[0];
    if (latest) this.lastRun = { id: latest.id, status: latest.status, finishedAt: latest.finishedAt?.toISOString() ?? null };
    const lastSuccess = recent.find((r) => r.status === 'succeeded' && r.finishedAt);
    if (lastSuccess) this.metrics.lastSuccess.set(lastSuccess.finishedAt!.getTime() / 1000);
    if (daemon.httpPort > 0) {
      this.health = await startHealthServer({
        host: daemon.httpHost,
        port: daemon.httpPort,
        metrics: this.metrics,
        state: { lastRun: () => this.lastRun, ready: () => store.ping() },
      });
      logger.info({ port: this.health.port, host: daemon.httpHost }, `health and metrics on http://${daemon.httpHost}:${this.health.port} (/healthz, /readyz, /metrics)`);
    }
    this.task = (this.deps.ticks ?? cronTicks)(daemon.schedule, daemon.timezone, () => this.tick('schedule'));
    logger.info({ schedule: daemon.schedule, timezone: daemon.timezone, next: this.task.nextRun()?.toISOString() }, 'daemon started');
    if (daemon.runOnStart) void this.tick('start');
  }

  /** One scheduled reconcile, unless one is still going or another replica holds the lock. */
  async tick(reason: 'schedule' | 'start' | 'manual' = 'manual'): Promise<TickOutcome> {
    const { logger } = this.deps;
    if (this.stopping.signal.aborted) return 'stopping';
    if (this.current) {
      logger.warn({ reason }, 'tick skipped: the previous run is still going');
      this.metrics.skippedTicks.inc({ reason: 'still-running' });
      return 'busy';
    }
    let outcome: TickOutcome = 'ran';
    const run = this.runOnce().then((o) => {
      outcome = o;
    });
    this.current = run;
    try {
      await run;
    } finally {
      this.current = undefined;
    }
    return outcome;
  }

  /** Leadership is kept for the life of the process; a standby tries again at each tick. */
  private async lead(): Promise<boolean> {
    const { store, logger } = this.deps;
    if (this.leadership) return true;
    let lock: RunLock | null;
    try {
      lock = await store.tryLeaderLock('daemon');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'tick skipped: cannot reach the database to take the leader lock');
      this.metrics.skippedTicks.inc({ reason: 'database' });
      return false;
    }
    if (!lock) {
      const holder = await store.leaderLockHolder();
      logger.info({ holder }, `tick skipped: not the leader (${holder ?? 'another replica'} leads)`);
      this.metrics.skippedTicks.inc({ reason: 'not-leader' });
      return false;
    }
    this.leadership = lock;
    this.metrics.leader.set(1);
    logger.info('this replica is now the leader');
    void lock.lost.then((why) => {
      if (this.leadership !== lock) return;
      this.leadership = undefined;
      this.metrics.leader.set(0);
      logger.error({ why }, 'leadership lost: stopping the current run; will try to lead again at the next tick');
      this.runAbort?.abort('losing the leader lock');
    });
    return true;
  }

  private async runOnce(): Promise<TickOutcome> {
    const { store, logger, sync } = this.deps;
    if (!(await this.lead())) return 'not-leader';
    // Shutdown or losing leadership mid-run stops dispatching writes (losing the run lock too: reconcileLocked).
    const runAbort = new AbortController();
    this.runAbort = runAbort;
    const onStop = () => runAbort.abort();
    this.stopping.signal.addEventListener('abort', onStop);
    const started = Date.now();
    try {
      await reconcileLocked({
        config: sync, store, logger, label: 'daemon', waitMs: 0, signal: runAbort.signal, ...(this.deps.now ? { now: this.deps.now } : {}),
        wire: {
          signal: this.hardStop.signal, onResponse: this.metrics.onResponse, onRate: this.metrics.onRate,
          ...(this.deps.clock ? { clock: this.deps.clock } : {}),
        },
        onProgress: createProgress({ tty: false, logger, intervalMs: 30_000 }).sink,
        after: async (r) => {
          this.lastRun = { id: r.runId, status: r.status, finishedAt: r.finishedAt };
          this.metrics.recordRun(r, (Date.now() - started) / 1000);
          await this.afterRun(r);
        },
      }, { dryRun: false });
    } catch (err) {
      if (err instanceof RunLockBusyError) {
        logger.info({ holder: err.holder }, `tick skipped: another reconcile is running (${err.holder ?? 'another process'})`);
        this.metrics.skippedTicks.inc({ reason: 'run-locked' });
        return 'busy';
      }
      if (err instanceof RunLockError) {
        logger.error({ err: err.message }, 'tick skipped: cannot take the run lock');
        return 'busy';
      }
      // reconcile records its own failures; this is the database itself failing.
      logger.error({ err: (err as Error).message }, 'run failed outside reconcile; the daemon keeps going');
      this.metrics.runs.inc({ status: 'failed', mode: 'apply' });
    } finally {
      this.stopping.signal.removeEventListener('abort', onStop);
      this.runAbort = undefined;
    }
    return 'ran';
  }

  private async afterRun(report: Report): Promise<void> {
    const { store, logger, daemon } = this.deps;
    if (daemon.alertWebhookUrl) await this.alert(daemon.alertWebhookUrl, report);
    if (daemon.retentionDays > 0 && Date.now() - this.lastPrune >= DAY_MS) {
      this.lastPrune = Date.now();
      const pruned = await store.pruneRuns(new Date(Date.now() - daemon.retentionDays * DAY_MS));
      if (pruned > 0) logger.info({ pruned, days: daemon.retentionDays }, `pruned ${pruned} run(s) older than ${daemon.retentionDays} days`);
    }
  }

  /**
   * Posts on the edges of a lasting condition (alert-policy.ts). The state is
   * in the database, so a restart or another replica taking the lead goes on
   * from what was last posted. It runs under the run lock: one writer.
   */
  private async alert(url: string, report: Report): Promise<void> {
    const { store, logger, daemon } = this.deps;
    const seen = observe(report);
    if (!seen) return;
    try {
      const decision = decideAlert(await store.getAlertState(), seen, report.runId, this.deps.now?.() ?? new Date(), daemon.alertRepeatMs);
      if (decision.post) {
        const post = decision.post;
        // Not delivered: the state stays, and the next run tries again.
        if (!(await sendAlert(url, report, { ...decision, post }, logger))) return;
      }
      await store.saveAlertState(decision.next);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'alert state could not be read or saved; no alert for this run');
    }
  }

  /**
   * Stops scheduling and dispatching; in-flight requests finish. Resolves
   * true when everything stopped within the timeout.
   */
  async stop(timeoutMs = this.deps.daemon.shutdownTimeoutMs): Promise<boolean> {
    const { logger } = this.deps;
    await this.task?.stop();
    this.stopping.abort();
    let clean = true;
    if (this.current) {
      logger.info({ timeoutMs }, 'waiting for the current run to finish its in-flight requests');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      clean = await Promise.race([this.current.then(() => true as const), timedOut]);
      clearTimeout(timer);
      if (!clean) {
        logger.error({ timeoutMs }, 'shutdown timeout reached: cancelling in-flight requests');
        this.hardStop.abort();
        // The cancelled run records itself; a store that hangs must not hold the exit.
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([this.current, new Promise((r) => (grace = setTimeout(r, 2_000)))]);
        clearTimeout(grace);
      }
    }
    await this.health?.close();
    const leadership = this.leadership;
    this.leadership = undefined;
    await leadership?.release();
    this.metrics.leader.set(0);
    return clean;
  }
}
