/**
 * The retry policy's pure parts: Retry-After, backoff, which transport
 * failures are worth another try, and the decision itself (`decideRetry`):
 * what failed, how often, for how long -> wait this long, or stop and say why. No clock, no I/O: tested alone.
 */

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
const RETRYABLE_CODES = new Set([
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

/** Extracts plain facts from a node error; never keeps the object (a request's error holds its headers). */
export function describeFailure(e: unknown): { code: string; message: string; timeout: boolean; aborted: boolean } {
  const err = (e ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const name = typeof err.name === 'string' ? err.name : '';
  let code = typeof err.code === 'string' ? err.code : 'ERR_UNKNOWN';
  const message = typeof err.message === 'string' ? err.message : '';
  const timeout = name === 'TimeoutError' || code === 'ETIMEDOUT';
  const aborted = name === 'AbortError' || code === 'ERR_ABORTED';
  if (/socket hang up/i.test(message) && code === 'ERR_UNKNOWN') code = 'ECONNRESET';
  if (timeout) code = 'ETIMEDOUT';
  return { code, message, timeout, aborted };
}


export interface RetryPolicy {
  /** Retries after the first attempt (5xx, timeouts, resets; for 429s see below). */
  retryLimit: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /**
   * The least any 429 pauses, and the first pause after a 429 without a
   * usable Retry-After (absent, unparsable or 0), doubled per further 429.
   */
  rateLimitBaseMs: number;
  /** A Retry-After above this is not waited for: the request fails at once. */
  maxRetryAfterMs: number;
}

/** What went wrong with the attempt that just ended. */
export type RetryCause =
  | { kind: 'rate-limit'; retryAfterMs?: number }
  | { kind: 'server-error'; retryAfterMs?: number }
  | { kind: 'transport'; retryable: boolean }
  | { kind: 'final' };

/**
 * What an attempt that got no usable answer amounts to, for `decideRetry`:
 * a 429, a 5xx (each with its Retry-After), a transport failure (retryable
 * or not), or a final answer (3xx, 4xx).
 */
export function causeOf(
  outcome: { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined> } | { kind: 'failure'; code: string; timeout: boolean },
  nowMs: number = Date.now(),
): RetryCause {
  if (outcome.kind === 'failure') return { kind: 'transport', retryable: outcome.timeout || RETRYABLE_CODES.has(outcome.code) };
  const { status } = outcome;
  if (status !== 429 && status < 500) return { kind: 'final' };
  const retryAfterMs = parseRetryAfter(outcome.headers['retry-after'], nowMs);
  return { kind: status === 429 ? 'rate-limit' : 'server-error', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

export interface RetryState {
  /** 1-based number of the attempt that just ended. */
  attempt: number;
  /** 429s this request has had, the one just answered included. */
  rateLimited: number;
  /** Time since this request's first 429 was answered (0 for the first). */
  sinceFirstRateLimitMs: number;
  /** Window of the gate the request passes: the span over which the server counts the limit it enforces. */
  windowMs: number;
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not-retryable' | 'retries-spent' }
  /** Still 429 after at least one full gate window and `retryLimit` retries. */
  | { retry: false; reason: 'rate-limited-too-long' }
  /** Retry-After asked for more than `maxRetryAfterMs`: never retried early. */
  | { retry: false; reason: 'retry-after-over-cap'; waitMs: number };

/**
 * Whether and when to try again.
 *
 * A 429 is not a failure of the request but the server pacing us, so its
 * budget is time: retried until at least one full window of the gate has
 * passed since the first 429 (a 30/min limit needs up to 60 s to free a
 * slot) AND `retryLimit` retries were made. Its pause is Retry-After, never
 * below `rateLimitBaseMs` (a "Retry-After: 0" must not turn into a tight
 * loop); without one, jittered exponential backoff from `rateLimitBaseMs`.
 */
export function decideRetry(policy: RetryPolicy, cause: RetryCause, state: RetryState, random: () => number = Math.random): RetryDecision {
  const retriesLeft = state.attempt <= policy.retryLimit;
  switch (cause.kind) {
    case 'final':
      return { retry: false, reason: 'not-retryable' };
    case 'transport':
      if (!cause.retryable) return { retry: false, reason: 'not-retryable' };
      if (!retriesLeft) return { retry: false, reason: 'retries-spent' };
      return { retry: true, delayMs: backoffDelay(state.attempt, policy.backoffBaseMs, policy.backoffMaxMs, random) };
    case 'server-error': {
      if (!retriesLeft) return { retry: false, reason: 'retries-spent' };
      const delayMs = backoffDelay(state.attempt, policy.backoffBaseMs, policy.backoffMaxMs, random);
      const asked = cause.retryAfterMs;
      return { retry: true, delayMs: asked === undefined ? delayMs : Math.max(delayMs, Math.min(asked, policy.maxRetryAfterMs)) };
    }
    case 'rate-limit': {
      const asked = cause.retryAfterMs;
      if (asked !== undefined && asked > policy.maxRetryAfterMs) return { retry: false, reason: 'retry-after-over-cap', waitMs: asked };
      if (!retriesLeft && state.sinceFirstRateLimitMs >= state.windowMs) return { retry: false, reason: 'rate-limited-too-long' };
      const floor = policy.rateLimitBaseMs;
      if (asked !== undefined && asked > 0) return { retry: true, delayMs: Math.max(floor, asked) };
      const backoff = backoffDelay(state.rateLimited, floor, Math.max(floor, policy.maxRetryAfterMs), random);
      return { retry: true, delayMs: Math.max(floor, backoff) };
    }
  }
}
