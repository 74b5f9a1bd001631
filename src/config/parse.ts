/** Small parsers for env values; each throws a message that completes "VARIABLE ...". */
import cron from 'node-cron';
import { isIP } from 'node:net';
import type { Rate } from '../http/gate.js';

/** Several problems of one variable (e.g. two bad PROTECTED_EMAILS entries), each completing "VARIABLE ...". */
export class VariableProblems extends Error {
  constructor(readonly each: string[]) {
    super(each.join('; '));
  }
}

const WINDOWS: Record<string, number> = { s: 1_000, sec: 1_000, m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000 };

export function parseRate(text: string): Rate {
  const m = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  const windowMs = m ? WINDOWS[m[2]!.toLowerCase()] : undefined;
  if (!m || windowMs === undefined) throw new Error(`must look like "10/s", "30/min" or "500/h" (got "${text}")`);
  const limit = Number(m[1]);
  if (limit < 1) throw new Error(`must allow at least 1 request per window (got "${text}")`);
  if (!Number.isSafeInteger(limit)) throw new Error(`is too large a number of requests (got "${text}")`);
  return { limit, windowMs };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** "30" (seconds), "30s", "500ms", "2m" -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  if (!m) throw new Error(`must be a duration like "30", "30s", "500ms" or "2m" (got "${text}")`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1_000 : unit === 'h' ? n * 3_600_000 : n * 60_000;
  if (ms <= 0) throw new Error(`must be greater than zero (got "${text}")`);
  // Below 1 ms rounds to 0, which timers treat as "no timeout" or "at once".
  if (ms < 1) throw new Error(`must be at least 1ms (got "${text}")`);
  // Node's timers overflow past 2^31-1 ms and then fire after 1 ms instead.
  if (ms > MAX_TIMER_MS) throw new Error(`must be at most 24 days (got "${text}")`);
  return Math.round(ms);
}

/** SECODA_REFRESH: a duration, or "0" (read the whole list every run) -> milliseconds. */
export function parseRefresh(text: string): number {
  if (/^\s*0+(\.0*)?\s*(ms|s|m|min|h)?\s*$/i.test(text)) return 0;
  try {
    return parseDuration(text);
  } catch {
    throw new Error(`must be a duration like "1h", "15m" or "90s", or 0 to read the whole list every run (got "${text}")`);
  }
}

export function parseNonNegativeInt(text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new Error(`must be a whole number >= 0 (got "${text}")`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`is too large (got "${text}")`);
  return n;
}

/** A whole number from 0 to `max`; `why` says what a larger value would do. */
export function parseIntAtMost(max: number, why: string): (text: string) => number {
  return (text) => {
    const n = parseNonNegativeInt(text);
    if (n > max) throw new Error(`must be at most ${max}: ${why} (got "${text}")`);
    return n;
  };
}

export function parsePositiveInt(text: string): number {
  const n = parseNonNegativeInt(text);
  if (n < 1) throw new Error(`must be at least 1 (got "${text}")`);
  return n;
}

export function parsePercent(text: string): number {
  if (!/^\s*\d+(\.\d+)?\s*%?\s*$/.test(text)) throw new Error(`must be a percentage from 0 to 100 (got "${text}")`);
  const n = Number(text.replace('%', ''));
  if (n > 100) throw new Error(`must be a percentage from 0 to 100 (got "${text}")`);
  return n;
}

export function parseBoolean(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  throw new Error(`must be true or false (got "${text}")`);
}

/** An http(s) base URL; the message never echoes credentials. */
export function parseHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error('must be an absolute http(s) URL such as https://org.example.com/v1');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`must use http or https (got ${url.protocol})`);
  if (url.username || url.password) throw new Error('must not carry credentials; put the token in its own variable');
  return url.toString().replace(/\/+$/, '');
}

/** An API base URL: as parseHttpUrl, and no query or fragment, which the HTTP client would silently drop. */
export function parseApiBaseUrl(text: string): string {
  const base = parseHttpUrl(text);
  const url = new URL(base);
  if (url.search || url.hash) {
    throw new Error('must not have a query (?...) or fragment (#...): request paths are appended to it and they would be dropped');
  }
  return base;
}

/** One of `values`, any case; answers the lower-case value. */
export function oneOf<T extends string>(values: readonly T[]): (text: string) => T {
  return (text) => {
    const value = text.toLowerCase();
    if (!(values as readonly string[]).includes(value)) throw new Error(`must be one of ${values.join(', ')} (got "${text}")`);
    return value as T;
  };
}

/** A check that returns a problem (completing "NAME ...") or null, as a parser answering the text. */
export function check(problem: (text: string) => string | null): (text: string) => string {
  return (text) => {
    const found = problem(text);
    if (found) throw new Error(found);
    return text;
  };
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

export function parsePort(text: string): number {
  const n = parseNonNegativeInt(text);
  if (n > 65535) throw new Error(`must be a port from 0 to 65535 (got "${text}")`);
  return n;
}

/** A postgres:// URL, or '' for none. The message never echoes the URL (it holds a password). */
export function parseDatabaseUrl(text: string): string | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('must be a postgres://USER:PASSWORD@HOST:5432/DATABASE URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`must start with postgres:// or postgresql:// (got ${url.protocol}//)`);
  }
  return text;
}

/** A comma list of emails or @domain suffixes; '' is none. */
export function parseEmailList(text: string): string[] {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = entries.filter((entry) => !entry.includes('@'));
  if (bad.length) throw new VariableProblems(bad.map((entry) => `has "${entry}", which is neither an email nor an @domain suffix`));
  return entries;
}

/** One email: that of the Secoda user who created SECODA_API_KEY; '' is none. */
export function parseKeyOwner(text: string): string | undefined {
  if (!text) return undefined;
  if (/[,\s]/.test(text) || !/^[^@]+@[^@]+$/.test(text)) {
    throw new Error(`must be one email, that of the Secoda user who created SECODA_API_KEY (got "${text}")`);
  }
  return text;
}
