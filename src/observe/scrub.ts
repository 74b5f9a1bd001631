/**
 * Last line of defence for secrets: whatever reaches stdout, stderr or a
 * report file goes through this, so a token that slipped into a message by
 * accident is still never printed.
 */
export function makeScrubber(secrets: readonly string[], minLength = 4): (text: string) => string {
  // Shorter values would mask ordinary words; a database password is masked whatever its length.
  const list = [...new Set(secrets.filter((s) => s && s.length >= minLength))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  const pattern = new RegExp(list.map(escape).concat(list.map((s) => escape(encodeURIComponent(s)))).join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
