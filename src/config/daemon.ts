import { readVariables, type Env } from './read.js';

export interface DaemonConfig {
  schedule: string;
  timezone: string;
  runOnStart: boolean;
  shutdownTimeoutMs: number;
  /** 0 = no health/metrics server. */
  httpPort: number;
  httpHost: string;
  alertWebhookUrl?: string;
  /** 0 = keep every run. */
  retentionDays: number;
  /** ALERT_REPEAT in ms: least time between two alerts about the same lasting problem; 0 = never repeat. */
  alertRepeatMs: number;
}

export function loadDaemonConfig(env: Env): DaemonConfig {
  const v = readVariables(env, ['daemon']);
  return {
    schedule: v.SYNC_SCHEDULE,
    timezone: v.SYNC_TIMEZONE,
    runOnStart: v.RUN_ON_START,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT,
    httpPort: v.HTTP_PORT,
    httpHost: v.HTTP_HOST,
    retentionDays: v.RUN_RETENTION_DAYS,
    alertRepeatMs: v.ALERT_REPEAT,
    ...(v.ALERT_WEBHOOK_URL ? { alertWebhookUrl: v.ALERT_WEBHOOK_URL } : {}),
  };
}
