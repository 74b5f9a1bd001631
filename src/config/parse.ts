/** Small parsers for env values; each throws a message that completes "VARIABLE ...". */

export interface Rate {
  limit: number;
  windowMs: number;
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

export function formatRate(rate: Rate): string {
  const unit = rate.windowMs === 1_000 ? 's' : rate.windowMs === 60_000 ? 'min' : rate.windowMs === 3_600_000 ? 'h' : `${rate.windowMs}ms`;
  return `${rate.limit}/${unit}`;
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
