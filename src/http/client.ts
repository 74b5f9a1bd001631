/**
 * One HTTP client per API (got 14 underneath, its own retry disabled).
 *
 * Every attempt — first tries and retries alike — takes a concurrency slot
 * (p-limit), then passes the sliding-window gate of its kind (reads / writes),
 * then is sent. The retry loop lives here, not in got, so the gate sees every
 * attempt.
 *
 * Retry policy:
 * - 5xx, timeouts, connection resets / refusals / hang-ups: retried up to
 *   `retryLimit` times with jittered exponential backoff
 *   (`backoffBaseMs` * 2^(n-1), capped at `backoffMaxMs`, "equal jitter").
 * - 429: pauses the WHOLE client (both gates) for Retry-After (seconds or
 *   HTTP date), never less than `rateLimitBaseMs` (1 s); without a usable
 *   Retry-After (absent, unparsable, 0) jittered exponential backoff from
 *   `rateLimitBaseMs`. Retried until at least one full window of the gate
 *   the request passes has gone by since its first 429, and `retryLimit`
 *   retries were made (retry-policy.ts `decideRetry`). A Retry-After above
 *   `maxRetryAfterMs` fails the request at once, and every request of this
 *   client until that wait is over, without sending it: never early.
 * - Any other status (3xx, 4xx) is final, unless listed in the request's
 *   `acceptStatus`: 401, and 403 on a read -> AuthError (the key is
 *   refused); 403 on a write -> ForbiddenError (this write was refused,
 *   with the API's reason); others -> HttpStatusError.
 * - A 2xx body that is not JSON -> BadResponseError (final). 204 / empty -> undefined.
 *
 * The concurrency slot is held per attempt (the in-flight request plus its
 * gate wait), not across backoff sleeps.
 */
import got from 'got';
import pLimit from 'p-limit';
import type { ClientRequest } from 'node:http';
import type { Logger } from 'pino';
import {
  AbortedError,
  ApiError,
  AuthError,
  BadResponseError,
  ForbiddenError,
  HttpStatusError,
  NetworkError,
  RateLimitError,
  TimeoutError,
  statusLine,
  type AttemptRecord,
} from './errors.js';
import { SlidingWindowGate, type PauseState, type Rate } from './gate.js';
import { isSecretParam, makeScrubber, redactUrl } from '../observe/scrub.js';
import { excerpt } from './redact.js';
import { AbortSignalFired, abortable, realClock, throwIfAborted, type Clock } from './wait.js';
import { decideRetry, describeFailure, NOT_SENT_CODES, parseRetryAfter, RETRYABLE_CODES, type RetryPolicy } from './retry-policy.js';
import { joinUrl, normaliseBaseUrl, type SearchParams } from './url.js';
import { rateChangeReporter, type RateEvent } from './rate-log.js';

export { backoffDelay, decideRetry, parseRetryAfter, type RetryCause, type RetryDecision, type RetryPolicy, type RetryState } from './retry-policy.js';
export { realClock, type Clock } from './wait.js';
export { joinUrl, normaliseBaseUrl, type SearchParams } from './url.js';

export type { Rate, RateChange } from './gate.js';

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Methods that pass the write gate; everything else is a read. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The part of a pino logger the client uses (a pino.Logger fits). */
export type HttpLogger = Pick<Logger, 'debug' | 'warn'>;

export interface ResponseEvent {
  api: string;
  method: string;
  /** HTTP status, or 'error' when no answer arrived (timeout, reset, ...). */
  status: number | 'error';
  durationMs: number;
  /** 1-based attempt number of this request. */
  attempt: number;
}

export type { RateEvent } from './rate-log.js';

export interface HttpClientOptions {
  /** 'org' | 'secoda' — goes into errors, logs and metrics. */
  api: string;
  /** May carry a path prefix (/v1); with or without trailing slash. Never logged with credentials. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; never logged, never on an error. */
  token: string;
  /** Per attempt. */
  timeoutMs: number;
  readRate: Rate;
  writeRate: Rate;
  /** Max in-flight requests for this API. */
  concurrency: number;
  /** Retries after the first attempt (5xx, timeout, reset; 429s get at least one gate window besides). */
  retryLimit: number;
  /** Longest Retry-After waited for (default 60_000); a longer one fails the request. */
  maxRetryAfterMs?: number;
  /** First backoff delay for 5xx/timeout/network retries (default 200). */
  backoffBaseMs?: number;
  /** Backoff cap (default 10_000). */
  backoffMaxMs?: number;
  /** Least pause after a 429, and the first one without usable Retry-After, doubled per further 429 (default 1000). */
  rateLimitBaseMs?: number;
  /** Time source for gates, backoff and the 429 budget (tests pass one that skips ahead). */
  clock?: Clock;
  /**
   * What an admin should check on 401/403, e.g. 'SECODA_API_KEY' or
   * 'check SECODA_API_KEY'. A bare variable name is prefixed with "check ".
   * Default: "check the <api> API token".
   */
  authHint?: string;
  logger?: HttpLogger;
  /** Metrics hook, called once per attempt. Exceptions from it are ignored. */
  onResponse?: (e: ResponseEvent) => void;
  /** Metrics hook: a gate's learned rate changed (lowered by a 429, raised while none comes). */
  onRate?: (e: RateEvent) => void;
  /** Cancels every wait and request of this client (graceful shutdown). */
  signal?: AbortSignal;
  /** Safety margin added to both gate windows (default: 2% of the window, max 1 s). */
  gateMarginMs?: number;
  userAgent?: string;
}


export interface HttpRequest {
  method: HttpMethod;
  /** Relative to the base URL (a leading '/' is ignored: the base path is always kept). */
  path: string;
  searchParams?: SearchParams;
  /** JSON request body. */
  json?: unknown;
  signal?: AbortSignal;
  /**
   * Non-2xx statuses to return instead of throwing (e.g. [404] for an
   * idempotent delete, [400, 409] for an invite that may already exist).
   * The body of such an answer is parsed JSON when possible, else the raw
   * text (or undefined when empty). Ignored for 429 and 5xx (always retried).
   */
  acceptStatus?: readonly number[];
}

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
  /** Response headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** Redacted request URL. */
  url: string;
  attempts: number;
  /** Outcome of every attempt; the last one is this answer. */
  history: AttemptRecord[];
}

export interface HttpClient {
  readonly api: string;
  /** Redacted base URL (with trailing slash). */
  readonly baseUrl: string;
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
  /** The redacted absolute URL a request would go to (for messages). */
  resolveUrl(path: string, searchParams?: SearchParams): string;
  /** Text from a response (an accepted error body) made safe for messages: this client's token removed, URLs redacted. */
  scrub?(text: string): string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

type AttemptOutcome =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; text: string; durationMs: number; stamp: number }
  | { kind: 'failure'; code: string; message: string; timeout: boolean; aborted: boolean; durationMs: number }
  /** Not sent: the API asked for a wait longer than the cap, and it is not over. */
  | { kind: 'blocked' };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The reason an error body gives: `detail` / `message` / `error` of a JSON object, else the text itself. */
function reasonOf(text: string): string {
  const parsed = parseJson(text);
  if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null) {
    const v = parsed.value as Record<string, unknown>;
    for (const k of ['detail', 'message', 'error']) if (typeof v[k] === 'string' && v[k]) return v[k] as string;
  }
  return text;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

function normaliseHint(api: string, hint?: string): string {
  const h = hint?.trim();
  if (!h) return `check the ${api} API token`;
  return /\s/.test(h) ? h : `check ${h}`;
}

// ---------------------------------------------------------------------------

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const base = normaliseBaseUrl(opts.baseUrl);
  const api = opts.api;
  const policy: RetryPolicy = {
    retryLimit: Math.max(0, Math.floor(opts.retryLimit)),
    maxRetryAfterMs: opts.maxRetryAfterMs ?? 60_000,
    backoffBaseMs: opts.backoffBaseMs ?? 200,
    backoffMaxMs: opts.backoffMaxMs ?? 10_000,
    rateLimitBaseMs: opts.rateLimitBaseMs ?? 1000,
  };
  const clock = opts.clock ?? realClock;
  const now = () => clock.now();
  const authHint = normaliseHint(api, opts.authHint);
  const log = opts.logger;
  if (!(opts.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0 (got ${opts.timeoutMs})`);
  if (!(opts.concurrency >= 1)) throw new RangeError(`concurrency must be >= 1 (got ${opts.concurrency})`);

  const pause: PauseState = { until: 0 };
  const rateLog = (kind: 'read' | 'write') => rateChangeReporter(api, kind, log, opts.onRate);
  const readGate = new SlidingWindowGate(opts.readRate, pause, now, opts.gateMarginMs, clock.sleep, rateLog('read'));
  const writeGate = new SlidingWindowGate(opts.writeRate, pause, now, opts.gateMarginMs, clock.sleep, rateLog('write'));
  /** Set by a Retry-After above the cap: until then nothing is sent (monotonic ms), and why. */
  const refused = { until: 0, message: '' };
  const limit = pLimit(opts.concurrency);

  const headers = {
    authorization: `Bearer ${opts.token}`,
    accept: 'application/json',
    'user-agent': opts.userAgent ?? 'secoda-user-sync',
  };

  function emit(method: string, status: number | 'error', durationMs: number, attempt: number): void {
    if (!opts.onResponse) return;
    try {
      opts.onResponse({ api, method, status, durationMs, attempt });
    } catch {
      /* a metrics hook must never break a request */
    }
  }

  /** One attempt: concurrency slot -> gate -> send. Never throws got errors. */
  function attemptOnce(
    gate: SlidingWindowGate,
    method: string,
    url: URL,
    json: unknown,
    signal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> {
    const run = async (): Promise<AttemptOutcome> => {
      throwIfAborted(signal);
      const stamp = await gate.acquire(signal);
      if (now() < refused.until) return { kind: 'blocked' };
      const started = now();
      try {
        const pending = got(url, {
          method: method as HttpMethod,
          headers: json === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          body: json === undefined ? undefined : JSON.stringify(json),
          timeout: { request: opts.timeoutMs },
          retry: { limit: 0 },
          throwHttpErrors: false,
          followRedirect: false,
          responseType: 'text',
          signal,
        });
        // The start counts from when the request has actually been sent (after a connect, say).
        pending.on('request', (r: ClientRequest) => r.once('finish', () => gate.restamp(stamp)));
        const res = await pending;
        return {
          kind: 'answer',
          status: res.statusCode,
          headers: { ...res.headers },
          text: res.body,
          durationMs: Math.round(now() - started),
          stamp,
        };
      } catch (e) {
        return { kind: 'failure', ...describeFailure(e), durationMs: Math.round(now() - started) };
      }
    };
    return abortable(
      limit(run).then(undefined, (e: unknown) => {
        // Only AbortSignalFired can escape `run`; anything else would be a bug here.
        throw e instanceof AbortSignalFired ? e : new AbortSignalFired();
      }),
      signal,
    );
  }

  async function request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const method = req.method.toUpperCase();
    const gate = WRITE_METHODS.has(method) ? writeGate : readGate;
    const url = joinUrl(base, req.path, req.searchParams);
    const safeUrl = redactUrl(url);
    const signals = [opts.signal, req.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    const history: AttemptRecord[] = [];
    let rateLimited = 0;
    // Values of credential-looking query parameters are scrubbed from any echoed text too.
    const secrets = [opts.token];
    for (const [k, v] of Object.entries(req.searchParams ?? {})) {
      if (v !== undefined && v !== null && isSecretParam(k)) secrets.push(String(v));
    }
    const scrub = makeScrubber(secrets);
    const where = `${method} ${safeUrl}`;
    const details = (extra: { status?: number; retryable?: boolean; causeCode?: string } = {}) => ({
      api,
      method,
      url: safeUrl,
      attempts: history.length,
      history: [...history],
      ...extra,
    });
    const aborted = () => new AbortedError(`${api} API request ${where} was cancelled`, details());

    /** When this request's first 429 was answered (client clock). */
    let firstRateLimitAt: number | undefined;
    const refusedError = () =>
      new RateLimitError(`${refused.message}: ${where} not sent (${seconds(refused.until - now())} of the wait left)`, details());

    for (let attempt = 1; ; attempt++) {
      if (now() < refused.until) throw refusedError();
      let outcome: AttemptOutcome;
      try {
        outcome = await attemptOnce(gate, method, url, req.json, signal);
      } catch (e) {
        if (e instanceof AbortSignalFired) throw aborted();
        throw e;
      }
      if (outcome.kind === 'blocked') throw refusedError();
      const state = (rateLimitedNow = rateLimited) => ({
        attempt,
        rateLimited: rateLimitedNow,
        sinceFirstRateLimitMs: firstRateLimitAt === undefined ? 0 : now() - firstRateLimitAt,
        windowMs: gate.windowMs,
      });

      if (outcome.kind === 'failure') {
        if (outcome.aborted || signal?.aborted) throw aborted();
        const ambiguous = !NOT_SENT_CODES.has(outcome.code);
        history.push({ attempt, status: null, code: outcome.code, durationMs: outcome.durationMs, ambiguous });
        emit(method, 'error', outcome.durationMs, attempt);
        log?.debug({ api, method, url: safeUrl, attempt, status: 'error', code: outcome.code, ms: outcome.durationMs }, 'http attempt');
        const retryable = outcome.timeout || RETRYABLE_CODES.has(outcome.code);
        const decision = decideRetry(policy, { kind: 'transport', retryable }, state());
        if (decision.retry) {
          log?.warn({ api, method, url: safeUrl, attempt, code: outcome.code, delayMs: decision.delayMs }, 'http attempt failed; retrying');
          await sleepOrAbort(decision.delayMs, signal, aborted);
          continue;
        }
        const tries = history.length > 1 ? ` (${plural(history.length, 'attempt')})` : '';
        if (outcome.timeout) {
          throw new TimeoutError(
            `${api} API did not answer ${where} within ${opts.timeoutMs} ms${tries}`,
            details({ retryable: true, causeCode: outcome.code }),
          );
        }
        const msg = excerpt(scrub(outcome.message), 120);
        throw new NetworkError(
          `could not reach ${api} API for ${where}: ${outcome.code}${msg && msg !== outcome.code ? ` (${msg})` : ''}${tries}`,
          details({ retryable, causeCode: outcome.code }),
        );
      }

      // An answer. What the server admits (anything but a 429) teaches the gate its rate.
      const { status, text } = outcome;
      if (status === 429) gate.throttled(outcome.stamp);
      else gate.admitted();
      const ambiguous = status >= 500;
      history.push({ attempt, status, code: null, durationMs: outcome.durationMs, ambiguous });
      emit(method, status, outcome.durationMs, attempt);
      log?.debug({ api, method, url: safeUrl, attempt, status, ms: outcome.durationMs }, 'http attempt');

      if (status >= 200 && status < 300) {
        let body: unknown;
        if (status !== 204 && text.trim() !== '') {
          const parsed = parseJson(text);
          if (!parsed.ok) {
            const ct = outcome.headers['content-type'];
            throw new BadResponseError(
              `${api} API sent a response that is not valid JSON to ${where}: ${statusLine(status)}` +
                `${ct ? `, content-type ${String(ct)}` : ''}, body starts "${excerpt(scrub(text), 60)}"`,
              details({ status }),
            );
          }
          body = parsed.value;
        }
        return { status, body: body as T, headers: outcome.headers, url: safeUrl, attempts: history.length, history };
      }

      if (status === 429) {
        rateLimited++;
        firstRateLimitAt ??= now();
        const fromHeader = parseRetryAfter(outcome.headers['retry-after']);
        const decision = decideRetry(policy, { kind: 'rate-limit', ...(fromHeader !== undefined ? { retryAfterMs: fromHeader } : {}) }, state());
        if (!decision.retry) {
          if (decision.reason === 'retry-after-over-cap') {
            // Waiting less than asked would only earn more 429s: nothing of this API is sent until then.
            refused.until = Math.max(refused.until, now() + decision.waitMs);
            refused.message = `${api} API asked to wait ${seconds(decision.waitMs)} (Retry-After), more than the ${seconds(policy.maxRetryAfterMs)} cap`;
            log?.warn({ api, method, url: safeUrl, attempt, status, retryAfterMs: decision.waitMs }, `${refused.message}; not retried`);
            throw new RateLimitError(`${refused.message}; not retried (${where})`, details());
          }
          throw new RateLimitError(
            `${api} API kept answering ${statusLine(429)} to ${where} for ${seconds(state().sinceFirstRateLimitMs)} ` +
              `(${plural(history.length, 'attempt')}; the ${seconds(gate.windowMs)} rate window has passed)`,
            details(),
          );
        }
        pause.until = Math.max(pause.until, now() + decision.delayMs);
        log?.warn(
          { api, method, url: safeUrl, attempt, status, pauseMs: decision.delayMs, retryAfter: fromHeader !== undefined },
          `${api} API rate limit hit; pausing all ${api} requests`,
        );
        continue; // the gate holds this and every other attempt until the pause ends
      }

      if (status >= 500) {
        const retryAfter = parseRetryAfter(outcome.headers['retry-after']);
        const decision = decideRetry(policy, { kind: 'server-error', ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) }, state());
        if (decision.retry) {
          log?.warn({ api, method, url: safeUrl, attempt, status, delayMs: decision.delayMs }, 'http attempt failed; retrying');
          await sleepOrAbort(decision.delayMs, signal, aborted);
          continue;
        }
      }

      if (req.acceptStatus?.includes(status)) {
        let body: unknown;
        if (text.trim() !== '') {
          const parsed = parseJson(text);
          body = parsed.ok ? parsed.value : text;
        }
        return { status, body: body as T, headers: outcome.headers, url: safeUrl, attempts: history.length, history };
      }

      if (status === 401 || (status === 403 && !WRITE_METHODS.has(method))) {
        throw new AuthError(`${api} API refused ${where}: ${statusLine(status)} — ${authHint}`, { ...details(), status });
      }
      if (status === 403) {
        // A write refused for this one resource (the workspace owner, say), not necessarily the key.
        const reason = excerpt(scrub(reasonOf(text)), 160);
        throw new ForbiddenError(`${api} API refused ${where}: ${statusLine(status)}${reason ? `: ${reason}` : ''}`, { ...details(), status, hint: authHint });
      }

      const tries = history.length > 1 ? ` after ${plural(history.length, 'attempt')}` : '';
      let extra = '';
      if (status >= 300 && status < 400) {
        const location = outcome.headers.location;
        let target = '';
        try {
          if (location) target = ` to ${redactUrl(new URL(String(location), url))}`;
        } catch {
          /* unparsable Location: leave it out */
        }
        extra = ` (redirect${target}; check the base URL)`;
      } else if (text.trim() !== '') {
        extra = `: ${excerpt(scrub(text), 200)}`;
      }
      throw new HttpStatusError(`${api} API answered ${where}: ${statusLine(status)}${tries}${extra}`, {
        ...details({ status }),
        status,
        retryable: status >= 500,
      });
    }
  }

  async function sleepOrAbort(ms: number, signal: AbortSignal | undefined, aborted: () => ApiError): Promise<void> {
    try {
      await clock.sleep(ms, signal);
    } catch (e) {
      if (e instanceof AbortSignalFired) throw aborted();
      throw e;
    }
  }

  return {
    api,
    baseUrl: redactUrl(base),
    request,
    resolveUrl: (path, searchParams) => redactUrl(joinUrl(base, path, searchParams)),
    scrub: makeScrubber([opts.token]),
  };
}
