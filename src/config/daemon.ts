import cron from 'node-cron';
import { ConfigError, type Env } from './load.js';
import { parseBoolean, parseDuration, parseHttpUrl, parseNonNegativeInt } from './parse.js';
import { VARIABLES } from './variables.js';

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
}

function value(env: Env, name: string): string {
  const raw = env[name];
  if (raw !== undefined && raw.trim() !== '') return raw.trim();
  return VARIABLES.find((v) => v.name === name)?.default ?? '';
}

export function validateSchedule(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `must have 5 fields (minute hour day month weekday) or 6 with seconds first; got ${fields} in "${expression}"`;
  const result = cron.validateDetailed(expression);
  if (result.valid) return null;
  return `is not a valid cron expression ("${expression}"): ${result.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
}

export function validateTimezone(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `is not a known IANA time zone (got "${zone}"; e.g. UTC, Europe/Berlin, America/New_York)`;
  }
}

export function loadDaemonConfig(env: Env): DaemonConfig {
  const problems: string[] = [];
  const parse = <T>(name: string, parser: (s: string) => T, fallback: T): T => {
    try {
      return parser(value(env, name));
    } catch (err) {
      problems.push(`${name} ${(err as Error).message}`);
      return fallback;
    }
  };
  const schedule = value(env, 'SYNC_SCHEDULE');
  const scheduleProblem = validateSchedule(schedule);
  if (scheduleProblem) problems.push(`SYNC_SCHEDULE ${scheduleProblem}`);
  const timezone = value(env, 'SYNC_TIMEZONE');
  const zoneProblem = validateTimezone(timezone);
  if (zoneProblem) problems.push(`SYNC_TIMEZONE ${zoneProblem}`);
  const httpPort = parse('HTTP_PORT', (s) => {
    const n = parseNonNegativeInt(s);
    if (n > 65535) throw new Error(`must be a port from 0 to 65535 (got "${s}")`);
    return n;
  }, 9464);
  const webhook = value(env, 'ALERT_WEBHOOK_URL');
  const config: DaemonConfig = {
    schedule,
    timezone,
    runOnStart: parse('RUN_ON_START', parseBoolean, true),
    shutdownTimeoutMs: parse('SHUTDOWN_TIMEOUT', parseDuration, 30_000),
    httpPort,
    httpHost: value(env, 'HTTP_HOST'),
    retentionDays: parse('RUN_RETENTION_DAYS', parseNonNegativeInt, 90),
  };
  if (webhook) {
    try {
      config.alertWebhookUrl = parseHttpUrl(webhook);
    } catch (err) {
      problems.push(`ALERT_WEBHOOK_URL ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
