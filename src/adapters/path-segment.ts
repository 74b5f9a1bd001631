/** Encodes one path segment (an id). Refuses '', '.' and '..', which URL resolution would collapse. */
export function segment(id: string): string {
  const s = String(id);
  if (s === '' || s === '.' || s === '..') throw new TypeError(`invalid id for a URL path: ${JSON.stringify(s)}`);
  return encodeURIComponent(s);
}
