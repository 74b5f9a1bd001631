import cron from 'node-cron';
import { ConfigError, Reader, type Env } from './load.js';
import { isIP } from 'node:net';
import { parseBoolean, parseDuration, parseHttpUrl, parseIntAtMost, parseNonNegativeInt } from './parse.js';

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

/** An address to bind to: an IP or a host name, without scheme or port (which would only fail at bind). */
export function validateHost(host: string): string | null {
  if (isIP(host)) return null;
  // Labels of letters, digits, "-" and "_" (Compose service names have underscores).
  if (host.length <= 253 && /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i.test(host)) return null;
  return `must be an IP address or host name to bind to, without scheme or port (got "${host}")`;
}

/** A check that returns a problem (completing "NAME ...") or null, as a Reader parser. */
function check(problem: (text: string) => string | null): (text: string) => string {
  return (text) => {
    const found = problem(text);
    if (found) throw new Error(found);
    return text;
  };
}

export function loadDaemonConfig(env: Env): DaemonConfig {
  const r = new Reader(env);
  const webhook = r.raw('ALERT_WEBHOOK_URL');
  const config: DaemonConfig = {
    schedule: r.parse('SYNC_SCHEDULE', check(validateSchedule), ''),
    timezone: r.parse('SYNC_TIMEZONE', check(validateTimezone), 'UTC'),
    runOnStart: r.parse('RUN_ON_START', parseBoolean, true),
    shutdownTimeoutMs: r.parse('SHUTDOWN_TIMEOUT', parseDuration, 30_000),
    httpPort: r.parse('HTTP_PORT', (s) => {
      const n = parseNonNegativeInt(s);
      if (n > 65535) throw new Error(`must be a port from 0 to 65535 (got "${s}")`);
      return n;
    }, 9464),
    httpHost: r.parse('HTTP_HOST', check(validateHost), '0.0.0.0'),
    // Far beyond this, "now minus the retention" is no valid date and every prune fails.
    retentionDays: r.parse('RUN_RETENTION_DAYS', parseIntAtMost(36_500, 'that is 100 years; 0 keeps everything'), 90),
    ...(webhook ? { alertWebhookUrl: r.parse('ALERT_WEBHOOK_URL', parseHttpUrl, '') } : {}),
  };
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}
