/**
 * The HTTP client's contract: what a caller configures, sends and gets back.
 * The client itself is ./client.ts; how one attempt is sent, ./attempt.ts;
 * whether to try again, ./retry-policy.ts; the error a request ends with,
 * ./final-error.ts.
 */
import type { Logger } from 'pino';
import type { AttemptRecord } from './errors.js';
import type { Rate } from './gate.js';
import type { RateEvent } from './rate-log.js';
import type { SearchParams } from './url.js';
import type { Clock } from './wait.js';

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
  /** Ends the client's sockets, in-flight requests included (they fail as resets). Idle ones never keep a process alive. */
  close(): void;
}

