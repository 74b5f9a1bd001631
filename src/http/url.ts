/** Base-URL handling: a base may carry a path prefix (/v1) that relative paths must keep. */
import { redactUrl } from '../observe/scrub.js';

export type SearchParams = Record<string, string | number | boolean | undefined | null>;

/** Base URL normalised so relative paths keep its path prefix: trailing slash, no query/hash/userinfo. */
export function normaliseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`invalid base URL: ${redactUrl(baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`base URL must be http(s): ${redactUrl(url)}`);
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** Joins base + relative path, keeping the base path (new URL('x', 'http://h/v1') would drop /v1). */
export function joinUrl(base: URL, path: string, searchParams?: SearchParams): URL {
  const url = new URL(path.replace(/^\/+/, ''), base);
  if (searchParams) {
    for (const [k, v] of Object.entries(searchParams)) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
  }
  return url;
}

