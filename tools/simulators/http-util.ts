/** Small helpers shared by the simulators. Only node:http. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Rate as RateSpec } from '../../src/http/gate.js';

export type { RateSpec };

export type RetryAfterMode = 'seconds' | 'date' | 'none';

export interface RequestLogEntry {
  method: string;
  /** Full pathname (including any prefix such as /v1). */
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
  /** Status answered; 'reset' when the socket was destroyed, 'hang' when never answered. 0 while in flight. */
  status: number | 'reset' | 'hang';
  /** The simulator's clock (`now` option, default Date.now()) at arrival. */
  at: number;
  /** The simulator's clock when the answer was written or the socket destroyed; absent while in flight and for hangs. */
  doneAt?: number;
  /** The Retry-After header value sent with the answer, if any. */
  retryAfter?: string;
  /** Whether the request carried the right bearer token. */
  auth: boolean;
}

export interface SimStats {
  requests: number;
  byMethod: Record<string, number>;
  /** 429 answers (rate limiter and injected 429 faults). */
  throttled: number;
}

/** What a route handler answers. `json` is serialised; `raw` is sent verbatim. */
export interface SimReply {
  status: number;
  json?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // An aborted request never answers anyway; resolve so nothing leaks.
    req.on('error', () => resolve(''));
    req.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export function queryRecord(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = v;
  return out;
}

/** True when the Authorization header is exactly `Bearer <token>` (scheme case-insensitive). */
export function bearerOk(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^bearer\s+(.+)$/i.exec(header.trim());
  return m !== null && m[1] === token;
}

/** Parse a strictly positive / non-negative decimal integer; null if not one. */
export function parseIntStrict(v: string | null, min: number): number | null {
  if (v === null || !/^\d+$/.test(v.trim())) return null;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) && n >= min ? n : null;
}

/**
 * Sliding window over admitted request starts: at most `limit` starts in any
 * window (now - windowMs, now]. Rejected requests are not counted.
 * Timestamps are appended in order, so pruning is amortised O(1).
 */
export class SlidingWindow {
  private starts: number[] = [];
  private head = 0;

  constructor(readonly spec: RateSpec) {}

  /** Admit a start at `now` (returns 0) or return the ms until a slot frees. */
  tryAcquire(now: number): number {
    const { limit, windowMs } = this.spec;
    while (this.head < this.starts.length && this.starts[this.head] <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
    if (this.starts.length - this.head < limit) {
      this.starts.push(now);
      return 0;
    }
    return Math.max(1, this.starts[this.head] + windowMs - now);
  }

  reset(): void {
    this.starts = [];
    this.head = 0;
  }
}

/** Retry-After header value for a wait of `waitMs`, or undefined for mode 'none'. */
export function retryAfterValue(mode: RetryAfterMode, waitMs: number, now = Date.now()): string | undefined {
  if (mode === 'none') return undefined;
  if (mode === 'date') return new Date(Math.ceil((now + waitMs) / 1000) * 1000).toUTCString();
  return String(Math.max(1, Math.ceil(waitMs / 1000)));
}

/** Serialise a reply to the bytes and headers that would be sent. */
export function renderReply(reply: SimReply): { body: string; contentType: string | undefined } {
  if (reply.raw !== undefined) {
    return { body: reply.raw, contentType: reply.contentType ?? 'application/json' };
  }
  if (reply.json === undefined) return { body: '', contentType: reply.contentType };
  return { body: JSON.stringify(reply.json), contentType: reply.contentType ?? 'application/json' };
}

/** Write a reply unless the socket is already gone. */
export function writeReply(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string | undefined,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded || res.socket?.destroyed) return;
  const h: Record<string, string | number> = { ...headers };
  if (contentType && status !== 204 && status !== 304) h['content-type'] = contentType;
  const payload = status === 204 || status === 304 ? '' : body;
  h['content-length'] = Buffer.byteLength(payload);
  res.writeHead(status, h);
  res.end(payload);
}

export const detail = (status: number, message: string): SimReply => ({
  status,
  json: { detail: message },
});
