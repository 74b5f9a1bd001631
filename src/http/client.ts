/**
 * One HTTP client per API, on node:http / node:https with keep-alive
 * sockets of its own (./transport.ts); `close()` ends them.
 *
 * Every attempt — first tries and retries alike — takes a concurrency slot
 * (p-limit), then passes the sliding-window gate of its kind (reads / writes),
 * then is sent. The retry loop lives here, so the gate sees every attempt.
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
 * The request loop: send one attempt (./attempt.ts), record it, return a
 * 2xx; otherwise ask the one retry decision (retry-policy.ts `causeOf` +
 * `decideRetry`, pure) and wait, or return an accepted status, or throw the
 * request's final error (./final-error.ts). A bug inside an attempt surfaces
 * as itself.
 */
import pLimit from 'p-limit';
import { redactUrl, makeScrubber } from '../observe/scrub.js';
import { attemptSender, type AttemptOutcome } from './attempt.js';
import { RateLimitError } from './errors.js';
import { acceptedBody, parseJson } from './body.js';
import { finalError, notJsonError, requestContext, seconds, type RequestContext } from './final-error.js';
import { SlidingWindowGate, type PauseState } from './gate.js';
import { rateChangeReporter } from './rate-log.js';
import { createTransport } from './transport.js';
import { causeOf, decideRetry, NOT_SENT_CODES, type RetryPolicy } from './retry-policy.js';
import { WRITE_METHODS, type HttpClient, type HttpClientOptions, type HttpRequest, type HttpResponse } from './types.js';
import { joinUrl, normaliseBaseUrl } from './url.js';
import { AbortSignalFired, realClock } from './wait.js';

export type { RateEvent } from './rate-log.js';
export type {
  HttpClient,
  HttpClientOptions,
  HttpResponse,
  ResponseEvent,
} from './types.js';

function normaliseHint(api: string, hint?: string): string {
  const h = hint?.trim();
  if (!h) return `check the ${api} API token`;
  return /\s/.test(h) ? h : `check ${h}`;
}

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
  const epochNow = () => clock.epochNow?.() ?? Date.now();
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
  const transport = createTransport(opts.concurrency);
  const send = attemptSender({
    limit: pLimit(opts.concurrency),
    transport,
    headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json', 'user-agent': opts.userAgent ?? 'secoda-user-sync' },
    timeoutMs: opts.timeoutMs,
    now,
    refusedUntil: () => refused.until,
  });

  /** History, metrics hook, debug log, and what the gate learns from the answer. */
  function note(ctx: RequestContext, outcome: Exclude<AttemptOutcome, { kind: 'blocked' }>, attempt: number, gate: SlidingWindowGate): void {
    const { method, safeUrl: url } = ctx;
    if (outcome.kind === 'failure') {
      ctx.history.push({ attempt, status: null, code: outcome.code, durationMs: outcome.durationMs, ambiguous: !NOT_SENT_CODES.has(outcome.code) });
      log?.debug({ api, method, url, attempt, status: 'error', code: outcome.code, ms: outcome.durationMs }, 'http attempt');
    } else {
      // What the server admits (anything but a 429) teaches the gate its rate.
      if (outcome.status === 429) gate.throttled(outcome.stamp);
      else gate.admitted();
      ctx.history.push({ attempt, status: outcome.status, code: null, durationMs: outcome.durationMs, ambiguous: outcome.status >= 500 });
      log?.debug({ api, method, url, attempt, status: outcome.status, ms: outcome.durationMs }, 'http attempt');
    }
    try {
      opts.onResponse?.({ api, method, status: outcome.kind === 'failure' ? 'error' : outcome.status, durationMs: outcome.durationMs, attempt });
    } catch {
      /* a metrics hook must never break a request */
    }
  }

  const refusedError = (ctx: RequestContext) =>
    new RateLimitError(`${refused.message}: ${ctx.where} not sent (${seconds(refused.until - now())} of the wait left)`, ctx.details());

  async function request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const method = req.method.toUpperCase();
    const gate = WRITE_METHODS.has(method) ? writeGate : readGate;
    const url = joinUrl(base, req.path, req.searchParams);
    const signals = [opts.signal, req.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
    // Serialised once, before any attempt: a body that cannot be serialised is the caller's bug, thrown as it is.
    const body = req.json === undefined ? undefined : JSON.stringify(req.json);
    const ctx = requestContext(api, opts.token, method, url, req.searchParams);
    const answer = (status: number, value: unknown, headers: HttpResponse['headers']): HttpResponse<T> =>
      ({ status, body: value as T, headers, url: ctx.safeUrl, attempts: ctx.history.length, history: ctx.history });
    let rateLimited = 0;
    /** When this request's first 429 was answered (client clock). */
    let firstRateLimitAt: number | undefined;

    for (let attempt = 1; ; attempt++) {
      if (now() < refused.until) throw refusedError(ctx);
      let outcome: AttemptOutcome;
      try {
        outcome = await send({ gate, method, url, body, signal });
      } catch (e) {
        throw e instanceof AbortSignalFired ? ctx.aborted() : e;
      }
      if (outcome.kind === 'blocked') throw refusedError(ctx);
      if (outcome.kind === 'failure' && (outcome.aborted || signal?.aborted)) throw ctx.aborted();
      note(ctx, outcome, attempt, gate);

      if (outcome.kind === 'answer' && outcome.status >= 200 && outcome.status < 300) {
        const { status, text } = outcome;
        if (status === 204 || text.trim() === '') return answer(status, undefined, outcome.headers);
        const parsed = parseJson(text);
        if (!parsed.ok) throw notJsonError(ctx, outcome);
        return answer(status, parsed.value, outcome.headers);
      }

      const cause = causeOf(outcome, epochNow());
      if (cause.kind === 'rate-limit') {
        rateLimited++;
        firstRateLimitAt ??= now();
      }
      const sinceFirstRateLimitMs = firstRateLimitAt === undefined ? 0 : now() - firstRateLimitAt;
      const decision = decideRetry(policy, cause, { attempt, rateLimited, sinceFirstRateLimitMs, windowMs: gate.windowMs });
      const at = { api, method, url: ctx.safeUrl, attempt, ...(outcome.kind === 'answer' ? { status: outcome.status } : { code: outcome.code }) };

      if (decision.retry && cause.kind === 'rate-limit') {
        pause.until = Math.max(pause.until, now() + decision.delayMs);
        log?.warn({ ...at, pauseMs: decision.delayMs, retryAfter: cause.retryAfterMs !== undefined }, `${api} API rate limit hit; pausing all ${api} requests`);
        continue; // the gate holds this and every other attempt until the pause ends
      }
      if (decision.retry) {
        log?.warn({ ...at, delayMs: decision.delayMs }, 'http attempt failed; retrying');
        try {
          await clock.sleep(decision.delayMs, signal);
        } catch (e) {
          throw e instanceof AbortSignalFired ? ctx.aborted() : e;
        }
        continue;
      }
      if (decision.reason === 'retry-after-over-cap') {
        // Waiting less than asked would only earn more 429s: nothing of this API is sent until then.
        refused.until = Math.max(refused.until, now() + decision.waitMs);
        refused.message = `${api} API asked to wait ${seconds(decision.waitMs)} (Retry-After), more than the ${seconds(policy.maxRetryAfterMs)} cap`;
        log?.warn({ ...at, retryAfterMs: decision.waitMs }, `${refused.message}; not retried`);
        throw new RateLimitError(`${refused.message}; not retried (${ctx.where})`, ctx.details());
      }
      if (outcome.kind === 'answer' && outcome.status !== 429 && req.acceptStatus?.includes(outcome.status)) {
        return answer(outcome.status, acceptedBody(outcome.text), outcome.headers);
      }
      throw finalError(ctx, outcome, {
        timeoutMs: opts.timeoutMs, authHint, sinceFirstRateLimitMs, windowMs: gate.windowMs,
        retryable: cause.kind === 'transport' && cause.retryable,
      });
    }
  }

  return {
    api,
    baseUrl: redactUrl(base),
    request,
    resolveUrl: (path, searchParams) => redactUrl(joinUrl(base, path, searchParams)),
    scrub: makeScrubber([opts.token]),
    close: () => transport.close(),
  };
}
