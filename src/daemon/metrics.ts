/**
 * Prometheus metrics (prom-client) on a registry of our own, so tests and
 * several daemons in one process never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RateEvent, ResponseEvent } from '../http/client.js';
import type { Report } from '../app/report.js';

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
  readonly leader = new Gauge({ name: `${P}is_leader`, help: '1 while this replica holds the run lock', registers: [this.registry] });
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
    for (const a of report.actions) this.actions.inc({ type: a.type, status: a.status });
    this.lastRunStatus.reset();
    this.lastRunStatus.set({ status: report.status }, 1);
    if (report.status === 'succeeded') this.lastSuccess.set(Date.parse(report.finishedAt ?? report.startedAt) / 1000);
    if (report.source.users !== null) this.snapshot.set({ side: 'org' }, report.source.users);
    if (report.target.users !== null) this.snapshot.set({ side: 'secoda' }, report.target.users);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
