/**
 * Periods measured against the run history rather than waited on with a
 * timer (DELETE_AFTER, ALERT_REPEAT): days are the natural unit, and timers'
 * 24-day ceiling does not apply. "0" is allowed and means "none".
 */
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Ten years: past that a mistake is likelier than intent, and dates stay valid. */
const MAX_MS = 3_650 * 86_400_000;

/** "0", "45s", "90m", "12h", "7d", "2w" -> milliseconds. */
export function parsePeriod(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?\s*$/i.exec(text);
  if (!m) throw new Error(`must be a period like "0", "90m", "12h" or "7d" (got "${text}")`);
  const n = Number(m[1]);
  if (n === 0) return 0;
  if (!m[2]) throw new Error(`needs a unit: s, m, h, d or w (got "${text}"; "0" turns it off)`);
  const ms = Math.round(n * UNITS[m[2].toLowerCase()]!);
  if (ms < 1_000) throw new Error(`must be 0 or at least 1s (got "${text}")`);
  if (ms > MAX_MS) throw new Error(`must be at most 3650d (got "${text}")`);
  return ms;
}
