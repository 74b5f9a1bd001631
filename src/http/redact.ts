/**
 * URL and text redaction. Everything that leaves the HTTP layer (errors, logs,
 * metrics) goes through here, so credentials never reach a log line or a report.
 */

/** Query parameter names whose values are treated as credentials. */
const SECRET_PARAM = /token|key|secret|passw|pwd|auth|signature|sig$|credential|session/i;

/** True when a query parameter (or form field) of that name carries a credential. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

export const REDACTED = 'REDACTED';

/**
 * A URL with credentials removed: userinfo (`user:pass@`) is dropped and the
 * value of every query parameter that looks like a credential (`token`,
 * `api_key`, `secret`, `password`, ...) is replaced by `REDACTED`.
 * An unparsable input yields `'[invalid url]'` rather than the raw text.
 */
export function redactUrl(input: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return '[invalid url]';
  }
  url.username = '';
  url.password = '';
  const names = [...new Set([...url.searchParams.keys()])];
  for (const name of names) {
    if (SECRET_PARAM.test(name)) {
      const count = url.searchParams.getAll(name).length;
      url.searchParams.delete(name);
      for (let i = 0; i < count; i++) url.searchParams.append(name, REDACTED);
    }
  }
  return url.toString();
}

/**
 * Scrubs free text (a server's error body, a socket error message): removes
 * every occurrence of the given secrets and redacts any URL in it.
 */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(`[${REDACTED}]`);
  }
  out = out.replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (m) => redactUrl(m));
  // name=value pairs of credential-looking names (a relative URL or form body echoed back).
  out = out.replace(/([\w.-]+)=([^&\s"'#<>;,]+)/g, (m, name: string) => (SECRET_PARAM.test(name) ? `${name}=${REDACTED}` : m));
  // "Bearer <anything>" in an echoed header.
  out = out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1[${REDACTED}]`);
  return out;
}

/** Shortens text for an error message: single line, at most `max` characters. */
export function excerpt(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
