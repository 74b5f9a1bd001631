/**
 * The typed error a request ends with once the retry policy says stop
 * (./retry-policy.ts), worded for an admin: which API, which request
 * (credentials stripped), what came back, how many attempts. Text the server
 * sent is scrubbed of this client's token and the request's credential-like
 * query values before it is quoted.
 *
 * - no answer: TimeoutError, else NetworkError (its low-level code kept);
 * - 429 after its budget: RateLimitError;
 * - 401, and 403 on a read: AuthError (the key is refused, with what to check);
 * - 403 on a write: ForbiddenError (this change was refused, with the API's reason);
 * - any other status (3xx, 4xx, 5xx after retries): HttpStatusError.
 */
import { isSecretParam, makeScrubber, redactUrl } from '../observe/scrub.js';
import type { AttemptOutcome } from './attempt.js';
import {
  AbortedError,
  type ApiError,
  type ApiErrorDetails,
  AuthError,
  BadResponseError,
  ForbiddenError,
  HttpStatusError,
  NetworkError,
  RateLimitError,
  statusLine,
  TimeoutError,
  type AttemptRecord,
} from './errors.js';
import { parseJson } from './body.js';
import { excerpt } from './redact.js';
import { WRITE_METHODS } from './types.js';
import type { SearchParams } from './url.js';

type Answer = Extract<AttemptOutcome, { kind: 'answer' }>;
type Failure = Extract<AttemptOutcome, { kind: 'failure' }>;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
export const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** What every message and error of one request names. */
export interface RequestContext {
  api: string;
  method: string;
  url: URL;
  /** Redacted URL. */
  safeUrl: string;
  /** "GET https://…/users?page=2", redacted. */
  where: string;
  /** Every attempt so far (the error's `history`). */
  history: AttemptRecord[];
  scrub: (text: string) => string;
  details(extra?: Pick<ApiErrorDetails, 'status' | 'retryable' | 'causeCode'>): ApiErrorDetails;
  aborted(): ApiError;
}

export function requestContext(api: string, token: string, method: string, url: URL, searchParams: SearchParams | undefined): RequestContext {
  const safeUrl = redactUrl(url);
  const where = `${method} ${safeUrl}`;
  const history: AttemptRecord[] = [];
  // Values of credential-looking query parameters are scrubbed from any echoed text too.
  const secrets = [token];
  for (const [k, v] of Object.entries(searchParams ?? {})) {
    if (v !== undefined && v !== null && isSecretParam(k)) secrets.push(String(v));
  }
  // Built when text is first quoted (an error): most requests quote none, and a scrubber compiles a RegExp.
  let scrubber: ((text: string) => string) | undefined;
  const scrub = (text: string): string => (scrubber ??= makeScrubber(secrets))(text);
  const details: RequestContext['details'] = (extra = {}) => ({ api, method, url: safeUrl, attempts: history.length, history: [...history], ...extra });
  return {
    api, method, url, safeUrl, where, history, scrub, details,
    aborted: () => new AbortedError(`${api} API request ${where} was cancelled`, details()),
  };
}

/** A 2xx whose body is not JSON (an HTML error page, a truncated answer): a malformed answer, never retried. */
export function notJsonError(ctx: RequestContext, answer: Answer): BadResponseError {
  const ct = answer.headers['content-type'];
  return new BadResponseError(
    `${ctx.api} API sent a response that is not valid JSON to ${ctx.where}: ${statusLine(answer.status)}` +
      `${ct ? `, content-type ${String(ct)}` : ''}, body starts "${excerpt(ctx.scrub(answer.text), 60)}"`,
    ctx.details({ status: answer.status }),
  );
}

export interface FinalErrorFacts {
  timeoutMs: number;
  /** What to check when the key is refused ("check SECODA_API_KEY"). */
  authHint: string;
  /** Whether the last transport failure is of a kind worth trying later. */
  retryable: boolean;
  /** 429s: time since the request's first one, and the gate's window. */
  sinceFirstRateLimitMs: number;
  windowMs: number;
}

/** The error for the attempt the request ends on (not a 2xx, not an accepted status, not retried). */
export function finalError(ctx: RequestContext, outcome: Answer | Failure, facts: FinalErrorFacts): ApiError {
  if (outcome.kind === 'failure') return transportError(ctx, outcome, facts);
  const { api, where, method } = ctx;
  const { status, text } = outcome;
  const attempts = ctx.history.length;
  if (status === 429) {
    return new RateLimitError(
      `${api} API kept answering ${statusLine(429)} to ${where} for ${seconds(facts.sinceFirstRateLimitMs)} ` +
        `(${plural(attempts, 'attempt')}; the ${seconds(facts.windowMs)} rate window has passed)`,
      ctx.details(),
    );
  }
  if (status === 401 || (status === 403 && !WRITE_METHODS.has(method))) {
    return new AuthError(`${api} API refused ${where}: ${statusLine(status)} — ${facts.authHint}`, { ...ctx.details(), status });
  }
  if (status === 403) {
    // A write refused for this one resource (the workspace owner, say), not necessarily the key.
    const reason = excerpt(ctx.scrub(reasonOf(text)), 160);
    return new ForbiddenError(`${api} API refused ${where}: ${statusLine(status)}${reason ? `: ${reason}` : ''}`, { ...ctx.details(), status, hint: facts.authHint });
  }
  const tries = attempts > 1 ? ` after ${plural(attempts, 'attempt')}` : '';
  let extra = '';
  if (status >= 300 && status < 400) {
    const location = outcome.headers.location;
    let target = '';
    try {
      if (location) target = ` to ${redactUrl(new URL(String(location), ctx.url))}`;
    } catch {
      /* unparsable Location: leave it out */
    }
    extra = ` (redirect${target}; check the base URL)`;
  } else if (text.trim() !== '') {
    extra = `: ${excerpt(ctx.scrub(text), 200)}`;
  }
  return new HttpStatusError(`${api} API answered ${where}: ${statusLine(status)}${tries}${extra}`, {
    ...ctx.details({ status }),
    status,
    retryable: status >= 500,
  });
}

function transportError(ctx: RequestContext, outcome: Failure, facts: FinalErrorFacts): ApiError {
  const n = ctx.history.length;
  const tries = n > 1 ? ` (${plural(n, 'attempt')})` : '';
  if (outcome.timeout) {
    return new TimeoutError(
      `${ctx.api} API did not answer ${ctx.where} within ${facts.timeoutMs} ms${tries}`,
      ctx.details({ retryable: true, causeCode: outcome.code }),
    );
  }
  const msg = excerpt(ctx.scrub(outcome.message), 120);
  return new NetworkError(
    `could not reach ${ctx.api} API for ${ctx.where}: ${outcome.code}${msg && msg !== outcome.code ? ` (${msg})` : ''}${tries}`,
    ctx.details({ retryable: facts.retryable, causeCode: outcome.code }),
  );
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
