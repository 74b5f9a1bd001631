/**
 * The one live status line a terminal shows at the bottom of stderr, shared
 * by progress (which draws it) and the logger (whose lines must not run into
 * it): a log line clears the status line, is printed, and the status line is
 * drawn again below it. One per stream, so whoever writes to the same stream
 * finds the same line without being handed it.
 */
const CLEAR = '\r\x1b[K';

export class StatusLine {
  private text = '';

  constructor(private readonly stream: NodeJS.WritableStream) {}

  show(text: string): void {
    this.text = text;
    this.stream.write(`${CLEAR}${text}`);
  }

  clear(): void {
    if (this.text) this.stream.write(CLEAR);
    this.text = '';
  }

  /** Writes whole log lines above the status line (one write: nothing can come between). */
  print(lines: string): void {
    this.stream.write(this.text ? `${CLEAR}${lines}${this.text}` : lines);
  }
}

const lines = new WeakMap<NodeJS.WritableStream, StatusLine>();

export function statusLineOf(stream: NodeJS.WritableStream): StatusLine {
  let line = lines.get(stream);
  if (!line) lines.set(stream, (line = new StatusLine(stream)));
  return line;
}
