/** Small helpers shared by the adapters. */
import type { z } from 'zod';
import { BadResponseError, HttpStatusError, type AttemptRecord } from '../http/errors.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { excerpt, scrubText } from '../http/redact.js';
import { STATUS_CODES } from 'node:http';

/** True when an attempt BEFORE the final one failed ambiguously (the server may have acted on it). */
export function hadAmbiguousAttempt(history: readonly AttemptRecord[]): boolean {
  return history.slice(0, -1).some((a) => a.ambiguous);
}

export function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  return typeof body === 'string' ? body : JSON.stringify(body);
}

const EXISTS = /already|exists?\b|duplicate|in use|taken/i;

/** A 409, or a 400 whose body says the email is already there. */
export function saysAlreadyExists(res: HttpResponse): boolean {
  if (res.status === 409) return true;
  return res.status === 400 && EXISTS.test(bodyText(res.body));
}

export function statusLine(status: number): string {
  const t = STATUS_CODES[status];
  return t ? `${status} ${t}` : String(status);
}

/** The HttpStatusError the client would have thrown for an answer the adapter accepted but cannot use. */
export function statusError(client: HttpClient, method: string, res: HttpResponse): HttpStatusError {
  const text = excerpt(scrubText(bodyText(res.body)), 200);
  return new HttpStatusError(
    `${client.api} API answered ${method} ${res.url}: ${statusLine(res.status)}${text ? `: ${text}` : ''}`,
    { api: client.api, method, url: res.url, status: res.status, attempts: res.attempts, history: res.history, retryable: false },
  );
}

export function badResponse(client: HttpClient, method: string, res: HttpResponse, what: string): BadResponseError {
  return new BadResponseError(`${client.api} API sent ${what} (${method} ${res.url})`, {
    api: client.api,
    method,
    url: res.url,
    status: res.status,
    attempts: res.attempts,
    history: res.history,
  });
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
