/** The retry policy's pure parts: Retry-After, backoff, and which transport failures are worth another try. */

/** Retry-After in ms: delta-seconds or HTTP date; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number.parseFloat(v) * 1000);
  // An HTTP date always names a month; Date.parse alone would take "-5" for a year.
  if (!/[a-z]{3}/i.test(v)) return undefined;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Jittered exponential backoff for the n-th retry (1-based): uniform in [d/2, d], d = min(max, base*2^(n-1)). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/** Connection never established: the server cannot have acted on the request. */
export const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** Transport failures worth retrying. */
export const RETRYABLE_CODES = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** Extracts plain facts from a got/node error; never keeps the object (it carries request headers). */
export function describeFailure(e: unknown): { code: string; message: string; timeout: boolean; aborted: boolean } {
  const err = (e ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const name = typeof err.name === 'string' ? err.name : '';
  let code = typeof err.code === 'string' ? err.code : 'ERR_UNKNOWN';
  const message = typeof err.message === 'string' ? err.message : '';
  const timeout = name === 'TimeoutError' || code === 'ETIMEDOUT';
  const aborted = name === 'AbortError' || code === 'ERR_ABORTED';
  if (/socket hang up/i.test(message) && (code === 'ERR_GOT_REQUEST_ERROR' || code === 'ERR_UNKNOWN')) code = 'ECONNRESET';
  if (timeout) code = 'ETIMEDOUT';
  return { code, message, timeout, aborted };
}

