/**
 * The one scrubber. Whatever reaches stdout, stderr, a report file, an
 * error message or the database goes through it, so a credential that
 * slipped into a message by accident is still never shown; every masked
 * value reads the same: `***`.
 */
export const MASK = '***';

/** Query parameter (or form field) names whose values are credentials. */
const SECRET_PARAM = /token|key|secret|passw|pwd|auth|signature|sig$|credential|session/i;

export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/**
 * A URL without credentials: userinfo (`user:pass@`) is dropped and the
 * value of every credential-looking query parameter is masked. An
 * unparsable input yields `'[invalid url]'` rather than the raw text.
 */
export function redactUrl(input: string | URL): string {
  // A parsed URL with nothing to hide (every request's, as a rule) is its own text: no copy to parse again.
  if (input instanceof URL && !input.username && !input.password && !hasSecretParam(input)) return input.href;
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return '[invalid url]';
  }
  url.username = '';
  url.password = '';
  for (const name of new Set(url.searchParams.keys())) {
    if (!SECRET_PARAM.test(name)) continue;
    const count = url.searchParams.getAll(name).length;
    url.searchParams.delete(name);
    for (let i = 0; i < count; i++) url.searchParams.append(name, MASK);
  }
  return url.toString();
}

/**
 * A function that masks, in any text: the given secrets (raw and
 * percent-encoded; shorter than `minLength` they would mask ordinary words,
 * so a database password passes 1), credentials in http(s) URLs,
 * credential-looking `name=value` pairs and `Bearer` values.
 */
export function makeScrubber(secrets: readonly string[], minLength = 4): (text: string) => string {
  const list = [...new Set(secrets.filter((s) => s && s.length >= minLength))].sort((a, b) => b.length - a.length);
  const pattern = list.length === 0 ? undefined : new RegExp(list.map(escape).concat(list.map((s) => escape(encodeURIComponent(s)))).join('|'), 'g');
  return (text) => {
    let out = pattern ? text.replace(pattern, MASK) : text;
    // A backslash ends a match: the text may be serialized JSON, whose escapes must stay whole.
    out = out.replace(/\bhttps?:\/\/[^\s"'<>\\]+/gi, (m) => (hasCredentials(m) ? redactUrl(m) : m));
    // A relative URL or a form body echoed back.
    out = out.replace(/([\w.-]+)=([^&\s"'#<>;,\\]+)/g, (m, name: string) => (SECRET_PARAM.test(name) && !/^\*+$/.test(m.slice(name.length + 1)) ? `${name}=${MASK}` : m));
    // An echoed Authorization header.
    return out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${MASK}`);
  };
}

function hasSecretParam(url: URL): boolean {
  if (url.search === '') return false;
  for (const name of url.searchParams.keys()) if (SECRET_PARAM.test(name)) return true;
  return false;
}

/** A URL with userinfo or a credential-looking query parameter, or unparsable (any other URL is left as written). */
function hasCredentials(text: string): boolean {
  try {
    const url = new URL(text);
    return Boolean(url.username || url.password) || [...url.searchParams.keys()].some((k) => SECRET_PARAM.test(k));
  } catch {
    return true; // shown as '[invalid url]'
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
