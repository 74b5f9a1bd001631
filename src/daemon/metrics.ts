/**
 * Prometheus metrics (prom-client) on a registry of our own, so tests and
 * several daemons in one process never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RateEvent, ResponseEvent } from '../http/client.js';
import type { Report } from '../app/report.js';
import type { PauseRecord } from '../store/types.js';

const P = 'secoda_user_sync_';

export class Metrics {
  readonly registry = new Registry();
  readonly runs = new Counter({ name: `${P}runs_total`, help: 'Reconcile runs by final status', labelNames: ['status', 'mode'], registers: [this.registry] });
  readonly actions = new Counter({ name: `${P}actions_total`, help: 'Actions by type and final status', labelNames: ['type', 'status'], registers: [this.registry] });
  readonly runDuration = new Histogram({
    name: `${P}run_duration_seconds`, help: 'Wall time of reconcile runs', labelNames: ['status'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200], registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({ name: `${P}last_success_timestamp_seconds`, help: 'Unix time of the last run that succeeded', registers: [this.registry] });
  readonly lastRunStatus = new Gauge({ name: `${P}last_run_status`, help: '1 for the status of the last finished run', labelNames: ['status'], registers: [this.registry] });
  readonly httpRequests = new Counter({ name: `${P}http_requests_total`, help: 'HTTP attempts by API, method and status', labelNames: ['api', 'method', 'status'], registers: [this.registry] });
  readonly throttled = new Counter({ name: `${P}http_throttled_total`, help: '429 answers by API', labelNames: ['api'], registers: [this.registry] });
  readonly snapshot = new Gauge({ name: `${P}snapshot_users`, help: 'Users in the latest snapshot, by side', labelNames: ['side'], registers: [this.registry] });
  readonly secodaReads = new Counter({ name: `${P}secoda_reads_total`, help: "Runs by how they read Secoda's users: full (the whole list) or snapshot", labelNames: ['mode'], registers: [this.registry] });
  readonly snapshotAge = new Gauge({ name: `${P}secoda_snapshot_age_seconds`, help: 'Age of the Secoda snapshot the last run planned against (0 after a full read)', registers: [this.registry] });
  readonly confirmations = new Counter({ name: `${P}secoda_confirmations_total`, help: 'Live reads of a user before a write planned from the snapshot, by result: same, replanned (differed), gone (404)', labelNames: ['result'], registers: [this.registry] });
  readonly leader = new Gauge({ name: `${P}is_leader`, help: '1 while this replica holds the run lock', registers: [this.registry] });
  readonly paused = new Gauge({ name: `${P}paused`, help: '1 while the sync is paused (secoda-user-sync pause): runs write nothing', registers: [this.registry] });
  readonly pausedSince = new Gauge({ name: `${P}paused_since_timestamp_seconds`, help: 'Unix time the current pause began; 0 when not paused', registers: [this.registry] });
  readonly groupMemberships = new Counter({
    name: `${P}group_memberships_total`, help: 'GROUP_MAP memberships by change (added, removed, withheld) and the final status of their group write',
    labelNames: ['change', 'status'], registers: [this.registry],
  });
  readonly learnedRate = new Gauge({
    name: `${P}http_rate_per_second`,
    help: 'Rate each API gate allows now, learned from 429s (AIMD); set from the first 429 on (before it, the configured rate)',
    labelNames: ['api', 'kind'], registers: [this.registry],
  });
  readonly skippedTicks = new Counter({ name: `${P}skipped_ticks_total`, help: 'Scheduled ticks skipped, by reason', labelNames: ['reason'], registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: P });
    this.leader.set(0);
  }

  /** The pause gauges follow `current` (the database) at each scrape; left as they were when it cannot be read. */
  trackPause(current: () => Promise<PauseRecord | null>): void {
    this.pauseSource = current;
  }

  private pauseSource: (() => Promise<PauseRecord | null>) | undefined;

  private async refreshPause(): Promise<void> {
    if (!this.pauseSource) return;
    try {
      const p = await this.pauseSource();
      this.paused.set(p ? 1 : 0);
      this.pausedSince.set(p ? p.since.getTime() / 1000 : 0);
    } catch {
      /* the database is down: /readyz says so; keep the last known value */
    }
  }

  onResponse = (e: ResponseEvent): void => {
    this.httpRequests.inc({ api: e.api, method: e.method, status: String(e.status) });
    if (e.status === 429) this.throttled.inc({ api: e.api });
  };

  onRate = (e: RateEvent): void => {
    this.learnedRate.set({ api: e.api, kind: e.kind }, e.perSecond);
  };

  recordRun(report: Report, durationSeconds: number): void {
    this.runs.inc({ status: report.status, mode: report.mode });
    this.runDuration.observe({ status: report.status }, durationSeconds);
    for (const a of report.actions) {
      this.actions.inc({ type: a.type, status: a.status });
      if (!a.group) continue;
      const { added, removed, withheldRemovals } = a.group;
      if (added.length) this.groupMemberships.inc({ change: 'added', status: a.status }, added.length);
      if (removed.length) this.groupMemberships.inc({ change: 'removed', status: a.status }, removed.length);
      if (withheldRemovals.length) this.groupMemberships.inc({ change: 'withheld', status: 'withheld' }, withheldRemovals.length);
    }
    this.lastRunStatus.reset();
    this.lastRunStatus.set({ status: report.status }, 1);
    if (report.status === 'succeeded') this.lastSuccess.set(Date.parse(report.finishedAt ?? report.startedAt) / 1000);
    if (report.source.users !== null) this.snapshot.set({ side: 'org' }, report.source.users);
    if (report.target.users !== null) this.snapshot.set({ side: 'secoda' }, report.target.users);
    const read = report.secodaRead;
    if (read) {
      this.secodaReads.inc({ mode: read.mode });
      if (read.snapshotAgeSeconds !== null) this.snapshotAge.set(read.snapshotAgeSeconds);
      this.confirmations.inc({ result: 'same' }, Math.max(0, read.confirmed - read.replanned - read.gone));
      this.confirmations.inc({ result: 'replanned' }, read.replanned);
      this.confirmations.inc({ result: 'gone' }, read.gone);
    }
  }

  async text(): Promise<string> {
    await this.refreshPause();
    return this.registry.metrics();
  }
}
