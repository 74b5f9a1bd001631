/**
 * Store errors. A DATABASE_URL may carry a password: it must never reach a
 * log line or an error message, so every error leaving the store is a
 * StoreError whose message was built from redacted parts only, and which
 * carries no reference to the driver's error object (whose properties could
 * hold connection options, the SQL or its bound parameters).
 */
import { makeScrubber, MASK } from '../observe/scrub.js';

export class StoreError extends Error {
  /** SQLSTATE (e.g. '28P01') or Node error code (e.g. 'ECONNREFUSED') of the underlying failure. */
  readonly code: string | undefined;

  constructor(message: string, code?: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

/**
 * `scheme://user:PASSWORD@host`: the password runs to the LAST `@` (an
 * unencoded `@`, `/`, `#` or `?` in a password must not let the rest leak).
 * Masking a little too much is acceptable; showing any of it is not.
 */
const USERINFO_PASSWORD = /(:\/\/[^:/?#@\s]*):(\S*)@/;
const QUERY_PASSWORD = /([?&]pass(?:word)?=)([^&#\s]*)/gi;

/**
 * The URL with its password (userinfo and `password=` query parameter)
 * replaced by `***`. Pure string work: also safe on strings that are not
 * valid URLs.
 */
export function redactDatabaseUrl(url: string): string {
  return url.replace(USERINFO_PASSWORD, `$1:${MASK}@`).replace(QUERY_PASSWORD, `$1${MASK}`);
}

/**
 * A function that removes the secrets of `url` from any text: the URL itself
 * (replaced by its redacted form) and its password, raw and percent-decoded.
 */
export function databaseUrlScrubber(url: string | undefined): (text: string) => string {
  if (!url) return (text) => text;
  const passwords: string[] = [];
  const add = (s: string | undefined): void => {
    if (!s) return;
    passwords.push(s);
    try {
      passwords.push(decodeURIComponent(s));
    } catch {
      /* not percent-encoded */
    }
  };
  add(USERINFO_PASSWORD.exec(url)?.[2]);
  for (const m of url.matchAll(QUERY_PASSWORD)) add(m[2]);
  const scrubPasswords = makeScrubber(passwords, 1);
  const redactedUrl = redactDatabaseUrl(url);
  return (text) => scrubPasswords(text.split(url).join(redactedUrl));
}

/** The useful message and code of a driver error (unwrapping drizzle's "Failed query: ... params: ..."). */
export function describeCause(err: unknown): { message: string; code: string | undefined } {
  let e: unknown = err;
  // DrizzleQueryError's own message lists every bound parameter: use its cause.
  while (e instanceof Error && /^Failed query: /.test(e.message) && e.cause !== undefined) e = e.cause;
  if (e instanceof Error) {
    const rawCode = (e as { code?: unknown }).code;
    const code = typeof rawCode === 'string' ? rawCode : undefined;
    let message = e.message;
    if (/^Failed query: /.test(message)) message = message.split('\n')[0].slice(0, 300);
    const errors = (e as { errors?: unknown }).errors; // AggregateError (e.g. ECONNREFUSED on ::1 and 127.0.0.1)
    if (!message && Array.isArray(errors) && errors[0] instanceof Error) message = errors[0].message;
    return { message: message || e.name || 'unknown error', code };
  }
  return { message: String(e), code: undefined };
}
