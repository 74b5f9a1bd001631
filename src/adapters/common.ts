/** Small helpers shared by the adapters. */
import type * as z from './zod.js';
import {
  AbortedError,
  ApiError,
  AuthError,
  BadResponseError,
  ConflictError,
  ForbiddenError,
  HttpStatusError,
  NetworkError,
  RateLimitError,
  statusLine,
  TimeoutError,
  type AttemptRecord,
} from '../http/errors.js';
import type { WriteFailure, WriteFailureKind } from '../app/ports.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { excerpt } from '../http/redact.js';
import { makeScrubber } from '../observe/scrub.js';

/** True when an attempt BEFORE the final one failed ambiguously (the server may have acted on it). */
export function hadAmbiguousAttempt(history: readonly AttemptRecord[]): boolean {
  return history.slice(0, -1).some((a) => a.ambiguous);
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** Wording that says the thing is there already. "exist" alone is not enough: "does not exist" has it too. */
const EXISTS = /\balready\b|\bexists\b|\bduplicated?\b|\bin use\b|\btaken\b/i;
/**
 * The same words denied within one clause ("does not exist", "No user with this
 * email exists", "is not taken"): a 400 saying so is a plain failure, and
 * resolving it as "already exists" would hide it.
 */
const DENIED =
  /\b(?:not|no|never|none|doesn'?t|don'?t|isn'?t|aren'?t|wasn'?t|weren'?t|cannot|can'?t)\b[^.;:!?"\]\n]{0,40}?\b(?:already|exists?|duplicated?|in use|taken)\b/i;

/** True when a message positively says "already exists" (or duplicate / in use / taken), never for its denial. */
export function textSaysAlreadyExists(text: string): boolean {
  return EXISTS.test(text) && !DENIED.test(text);
}

/** A 409, or a 400 whose body says the email is already there (and neither denies it). */
export function saysAlreadyExists(res: HttpResponse): boolean {
  const text = bodyText(res.body);
  if (res.status === 409) return !DENIED.test(text);
  return res.status === 400 && textSaysAlreadyExists(text);
}


/** The HttpStatusError the client would have thrown for an answer the adapter accepted but cannot use. */
export function statusError(client: HttpClient, method: string, res: HttpResponse): HttpStatusError {
  // The body may quote what it was sent (the key included): the client knows its token.
  const body = bodyText(res.body);
  const text = excerpt((client.scrub ?? makeScrubber([]))(body), 200);
  return new HttpStatusError(
    `${client.api} API answered ${method} ${res.url}: ${statusLine(res.status)}${text ? `: ${text}` : ''}`,
    { api: client.api, method, url: res.url, status: res.status, attempts: res.attempts, history: res.history, retryable: false },
  );
}

export function badResponse(client: HttpClient, method: string, res: Pick<HttpResponse, 'url' | 'status' | 'attempts' | 'history'>, what: string): BadResponseError {
  return new BadResponseError(`${client.api} API sent ${what} (${method} ${res.url})`, {
    api: client.api,
    method,
    url: res.url,
    status: res.status,
    attempts: res.attempts,
    history: res.history,
  });
}

/**
 * A list read that collected less than the API itself reported (`count`
 * users or `total_pages` pages), twice. Acting on it would invite the users
 * it missed again (or never see them), so the run fails before any write.
 */
export class IncompleteReadError extends BadResponseError {
  override name = 'IncompleteReadError';
  constructor(
    message: string,
    details: ConstructorParameters<typeof BadResponseError>[1],
    readonly reported: { users: number | null; pages: number | null },
    readonly collected: { users: number; pages: number },
  ) {
    super(message, details);
  }
}

/** Short, value-free description of zod issues: "email: expected string, received undefined; roles: ...". */
export function describeIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : 'record';
    return `${path}: ${i.message.replace(/^Invalid input:\s*/i, '')}`;
  });
  if (error.issues.length > max) parts.push(`(+${error.issues.length - max} more)`);
  return parts.join('; ');
}

/**
 * An invite answered "already exists". After an ambiguous earlier attempt
 * (timeout, reset, 5xx) our own first attempt may have created the user:
 * find it and treat the invite as done — never create twice. Otherwise the
 * run's user list was out of date.
 */
export async function resolveExistingOnInvite<T extends { email: string }>(
  client: HttpClient,
  method: string,
  res: HttpResponse,
  email: string,
  listUsers: () => Promise<readonly T[]>,
): Promise<T & { alreadyExisted: true }> {
  const details = { api: client.api, method, url: res.url, status: res.status, attempts: res.attempts, history: res.history };
  const says = `${client.api} API says ${email} already exists (${method} ${res.url}: ${statusLine(res.status)})`;
  if (!hadAmbiguousAttempt(res.history)) {
    throw new ConflictError(`${says}; the user list read for this run is out of date — run again`, details);
  }
  const key = email.trim().toLowerCase();
  const found = (await listUsers()).find((x) => x.email.trim().toLowerCase() === key);
  if (!found) throw new ConflictError(`${says}, but the user is not in the user list`, details);
  return { ...found, alreadyExisted: true };
}

/**
 * A write's (or a live read's) error as the application acts on it (see
 * WriteFailureKind): the HTTP layer's error classes mapped to kinds, with the
 * status this side saw. Anything else is a bug of ours: `internal`.
 */
export function failureOf(err: unknown): WriteFailure {
  if (!(err instanceof ApiError)) {
    return { ok: false, kind: 'internal', message: err instanceof Error ? err.message : String(err), attempts: 1 };
  }
  const failure: WriteFailure = { ok: false, kind: kindOf(err), message: err.message, attempts: err.attempts };
  if (err.status !== undefined) failure.httpStatus = err.status;
  if (err instanceof ForbiddenError) failure.hint = err.hint;
  return failure;
}

function kindOf(err: ApiError): WriteFailureKind {
  if (err instanceof AuthError) return 'auth';
  if (err instanceof ForbiddenError) return 'refused';
  if (err instanceof ConflictError) return 'conflict';
  if (err instanceof BadResponseError) return 'bad_response';
  if (err instanceof AbortedError) return 'aborted';
  if (err instanceof RateLimitError || err instanceof TimeoutError || err instanceof NetworkError) return 'transient';
  if (err.status === 404) return 'not_found';
  if (err.status === 409) return 'conflict';
  if (err.retryable || (err.status !== undefined && err.status >= 500)) return 'transient';
  return 'rejected';
}
