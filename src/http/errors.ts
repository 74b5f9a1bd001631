/**
 * Typed errors of the HTTP layer: one base class with a stable `code`,
 * subclasses per failure kind.
 *
 * These never carry the request options, its headers, the token, the
 * request/response objects or a low-level error (only its code, as
 * `causeCode`). Everything here is safe to log, to
 * JSON.stringify and to util.inspect: `url` is always redacted and messages
 * are built from redacted parts only. No `cause` is ever set.
 */
import { STATUS_CODES } from 'node:http';
import { redactUrl } from '../observe/scrub.js';

/** "404 Not Found". */
export function statusLine(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

export type ApiErrorCode =
  | 'E_HTTP_STATUS'
  | 'E_AUTH'
  | 'E_FORBIDDEN'
  | 'E_RATE_LIMITED'
  | 'E_TIMEOUT'
  | 'E_NETWORK'
  | 'E_BAD_RESPONSE'
  | 'E_CONFLICT'
  | 'E_ABORTED';

/** What happened to one attempt of a request (retries included). */
export interface AttemptRecord {
  /** 1-based attempt number. */
  attempt: number;
  /** HTTP status when the server answered, else null. */
  status: number | null;
  /** Low-level error code when there was no answer ('ETIMEDOUT', 'ECONNRESET', ...), else null. */
  code: string | null;
  durationMs: number;
  /**
   * True when the server may have acted on the request although we got no
   * usable answer: a timeout, a connection reset after sending, a 5xx.
   * False for answered 2xx/4xx (incl. 429) and for refused connections.
   */
  ambiguous: boolean;
}

export interface ApiErrorDetails {
  /** Which API ('org' | 'secoda'). */
  api: string;
  method: string;
  /** Redacted again on construction, so passing a raw URL is safe. */
  url: string;
  status?: number;
  retryable?: boolean;
  /** How many attempts were made (1 = no retry). */
  attempts?: number;
  history?: AttemptRecord[];
  /** Low-level code of the last failure (e.g. 'ECONNRESET'), never an object. */
  causeCode?: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly api: string;
  readonly method: string;
  /** Request URL without credentials. */
  readonly url: string;
  readonly status?: number;
  /** Whether trying again later could succeed (the retry budget is spent already). */
  readonly retryable: boolean;
  readonly attempts: number;
  /** Attempt-by-attempt outcome; lets callers tell whether an earlier attempt was ambiguous. */
  readonly history: AttemptRecord[];
  readonly causeCode?: string;

  constructor(code: ApiErrorCode, message: string, details: ApiErrorDetails) {
    super(message);
    this.code = code;
    this.api = details.api;
    this.method = details.method.toUpperCase();
    this.url = redactUrl(details.url);
    if (details.status !== undefined) this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.attempts = details.attempts ?? 1;
    this.history = details.history ?? [];
    if (details.causeCode !== undefined) this.causeCode = details.causeCode;
  }

  /** True when any attempt before the last one failed ambiguously. */
  get hadAmbiguousAttempt(): boolean {
    return this.history.slice(0, -1).some((a) => a.ambiguous);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      api: this.api,
      method: this.method,
      url: this.url,
      status: this.status,
      retryable: this.retryable,
      attempts: this.attempts,
      causeCode: this.causeCode,
    };
  }
}

/** A non-2xx answer that is not an auth failure nor a 429 (4xx, or 5xx after retries). */
export class HttpStatusError extends ApiError {
  override name = 'HttpStatusError';
  constructor(message: string, details: ApiErrorDetails & { status: number }) {
    super('E_HTTP_STATUS', message, details);
  }
}

/** 401, or 403 on a read: the key or token is wrong or lacks access. Never retried. */
export class AuthError extends ApiError {
  override name = 'AuthError';
  constructor(message: string, details: ApiErrorDetails & { status: number }) {
    super('E_AUTH', message, { ...details, retryable: false });
  }
}

/**
 * 403 on a write: the API refused this one change (Secoda refusing to delete
 * the workspace owner, say). The message carries the API's reason. Not a
 * verdict on the key by itself; `hint` says what to check when every write
 * is refused.
 */
export class ForbiddenError extends ApiError {
  override name = 'ForbiddenError';
  readonly hint: string;
  constructor(message: string, details: ApiErrorDetails & { status: number; hint: string }) {
    super('E_FORBIDDEN', message, { ...details, retryable: false });
    this.hint = details.hint;
  }
}

/** Still 429 after the retry budget was spent, or asked to wait longer than the cap. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
  constructor(message: string, details: ApiErrorDetails) {
    super('E_RATE_LIMITED', message, { ...details, status: 429, retryable: true });
  }
}

/** No answer within `timeoutMs` (after retries). */
export class TimeoutError extends ApiError {
  override name = 'TimeoutError';
  constructor(message: string, details: ApiErrorDetails) {
    super('E_TIMEOUT', message, { ...details, retryable: details.retryable ?? true });
  }
}

/** Connection refused / reset / DNS failure ... (after retries). */
export class NetworkError extends ApiError {
  override name = 'NetworkError';
  constructor(message: string, details: ApiErrorDetails) {
    super('E_NETWORK', message, details);
  }
}

/** The server answered, but not with what the API promises (non-JSON 2xx, bad envelope, bad record). Never retried. */
export class BadResponseError extends ApiError {
  override name = 'BadResponseError';
  constructor(message: string, details: ApiErrorDetails) {
    super('E_BAD_RESPONSE', message, { ...details, retryable: false });
  }
}

/** A write conflicts with the API's current state (e.g. invite of a user that already exists). */
export class ConflictError extends ApiError {
  override name = 'ConflictError';
  constructor(message: string, details: ApiErrorDetails) {
    super('E_CONFLICT', message, { ...details, retryable: false });
  }
}

/** The caller's AbortSignal fired (graceful shutdown). */
export class AbortedError extends ApiError {
  override name = 'AbortedError';
  constructor(message: string, details: ApiErrorDetails) {
    super('E_ABORTED', message, { ...details, retryable: false });
  }
}
