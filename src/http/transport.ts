/**
 * One HTTP exchange over node:http / node:https, on keep-alive agents owned by
 * one client. This replaced got: at 5 ms latency the sync is CPU-bound, and
 * got cost about 0.55 ms of CPU per request more than node:http (issue 9).
 *
 * What got did for us, rebuilt here and tested in test/http/transport.test.ts:
 * - the timeout covers the whole exchange, from the request's creation to the
 *   last byte of the body (got's `timeout.request`): a body that trickles in
 *   times out too; reported as ETIMEDOUT with `timeout: true`;
 * - the signal destroys the request (`aborted: true`);
 * - a failure keeps node's code (ECONNREFUSED, ECONNRESET for a hang-up or a
 *   connection lost mid-body, EPIPE, a TLS code) and never the error object,
 *   which holds the request and its Authorization header;
 * - redirects are not followed (the token must not travel), the body is
 *   decompressed (gzip, deflate, br, as got asked for) and decoded as UTF-8;
 * - `onSent` fires when the request has been written out in full.
 *
 * Exchanges never throw: every outcome is data. The agents' idle sockets do
 * not keep a process alive (node unrefs them); `close()` ends them at once.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { describeFailure } from './retry-policy.js';

export interface Exchange {
  method: string;
  url: URL;
  headers: Readonly<Record<string, string>>;
  /** Sent with content-length (the caller sets content-type). */
  body: string | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** The request has been handed to the network in full (not called when it never was). */
  onSent?: () => void;
}

export type ExchangeResult =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; text: string }
  | { kind: 'failure'; code: string; message: string; timeout: boolean; aborted: boolean };

export type TransportFailure = Extract<ExchangeResult, { kind: 'failure' }>;

export interface Transport {
  exchange(x: Exchange): Promise<ExchangeResult>;
  /** Destroys every socket, idle or busy; later exchanges open new ones. */
  close(): void;
}

/** Methods whose requests carry a body: without one, say so (content-length 0) rather than send chunked. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const ACCEPT_ENCODING = 'gzip, deflate, br';

const timedOut = (ms: number): TransportFailure =>
  ({ kind: 'failure', code: 'ETIMEDOUT', message: `Timeout awaiting 'request' for ${ms}ms`, timeout: true, aborted: false });
const ABORTED: TransportFailure = { kind: 'failure', code: 'ERR_ABORTED', message: 'This operation was aborted', timeout: false, aborted: true };
const LOST_MID_BODY: TransportFailure = {
  kind: 'failure', code: 'ECONNRESET', message: 'The server aborted pending request', timeout: false, aborted: false,
};

function failureOf(e: unknown): TransportFailure {
  return { kind: 'failure', ...describeFailure(e) };
}

/**
 * An idle socket is closed after this long, or a second before the server's
 * own `Keep-Alive: timeout=N` (node reads the hint only when the agent has a
 * timeout): a request sent on a socket the server is closing fails as a
 * reset, and a reset write is one whose outcome is unknown. 4 s is below the
 * 5 s idle timeout common to servers that do not announce theirs.
 */
const IDLE_SOCKET_MS = 4_000;

/** `maxSockets` per origin: at least the client's concurrency, so no request queues inside the agent. */
export function createTransport(maxSockets: number): Transport {
  const options: http.AgentOptions = { keepAlive: true, maxSockets, scheduling: 'lifo', timeout: IDLE_SOCKET_MS };
  let plain: http.Agent | undefined;
  let secure: https.Agent | undefined;
  const agentFor = (url: URL): http.Agent =>
    url.protocol === 'https:' ? (secure ??= new https.Agent(options)) : (plain ??= new http.Agent(options));

  function exchange(x: Exchange): Promise<ExchangeResult> {
    if (x.signal?.aborted) return Promise.resolve(ABORTED);
    return new Promise<ExchangeResult>((resolve) => {
      let req: http.ClientRequest | undefined;
      let settled = false;
      const settle = (result: ExchangeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        x.signal?.removeEventListener('abort', onAbort);
        // A request that did not end in an answer must not leave its socket to the next one.
        if (result.kind === 'failure') req?.destroy();
        resolve(result);
      };
      const onAbort = (): void => settle(ABORTED);
      const timer = setTimeout(() => settle(timedOut(x.timeoutMs)), x.timeoutMs);
      x.signal?.addEventListener('abort', onAbort, { once: true });

      const headers: Record<string, string> = { ...x.headers, 'accept-encoding': ACCEPT_ENCODING };
      if (x.body !== undefined) headers['content-length'] = String(Buffer.byteLength(x.body));
      else if (BODY_METHODS.has(x.method)) headers['content-length'] = '0';
      const send = x.url.protocol === 'https:' ? https.request : http.request;
      try {
        req = send(x.url, { method: x.method, headers, agent: agentFor(x.url) }, (res) => receive(res, x.method, settle));
      } catch (e) {
        // Refused before anything was sent: an invalid header value, say (node names the header, never its value).
        settle(failureOf(e));
        return;
      }
      req.on('error', (e) => settle(failureOf(e)));
      if (x.onSent) req.once('finish', x.onSent);
      req.end(x.body);
    });
  }

  return {
    exchange,
    close() {
      plain?.destroy();
      secure?.destroy();
    },
  };
}

/** Reads the answer's body in full (decompressed), or settles the failure that cut it short. */
function receive(res: http.IncomingMessage, method: string, settle: (r: ExchangeResult) => void): void {
  const status = res.statusCode ?? 0;
  const bodyless = method === 'HEAD' || status === 204 || status === 205 || status === 304 || (status >= 100 && status < 200);
  const decoder = bodyless ? undefined : decoderFor(res.headers['content-encoding']);
  const chunks: Buffer[] = [];
  let received = 0;
  // The connection closed before the whole message arrived (a reset mid-body, a short content-length).
  res.on('error', () => settle(LOST_MID_BODY));
  res.on('close', () => {
    if (!res.complete) settle(LOST_MID_BODY);
  });
  const done = (): void => {
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    settle({ kind: 'answer', status, headers: { ...res.headers }, text });
  };
  let stream: Readable = res;
  if (decoder) {
    res.on('data', (c: Buffer) => (received += c.length));
    decoder.on('error', (e) => (received === 0 && res.complete ? done() : settle(failureOf(e))));
    stream = res.pipe(decoder);
  }
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', done);
}

function decoderFor(encoding: string | undefined): zlib.Unzip | zlib.BrotliDecompress | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'deflate':
      // Gzip or zlib framing, whichever the stream starts with.
      return zlib.createUnzip();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}
