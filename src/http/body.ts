/**
 * What an answer's text holds: the JSON of a 2xx (every page and record the
 * sync reads is parsed here: in a profile, this is JSON.parse's time), the
 * body of an accepted non-2xx.
 */

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** An accepted non-2xx answer's body: parsed JSON when it is, else the raw text (undefined when empty). */
export function acceptedBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : text;
}
