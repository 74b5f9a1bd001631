/** Error-message text: what the scrubber (src/observe/scrub.ts) let through, shortened. */

/** Shortens text for an error message: single line, at most `max` characters. */
export function excerpt(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
