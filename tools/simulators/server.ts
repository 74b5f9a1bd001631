/**
 * The request pipeline both simulators share: request log, stats, auth,
 * faults, sliding-window rate limits, latency, and reply writing.
 *
 * Order for each request (decisions are taken synchronously on arrival, so
 * rate windows see requests in arrival order):
 *   1. log + count; `onRequest` hook
 *   2. wrong/missing token -> 401; `forbid` -> 403 (no fault consumed, no rate slot)
 *   3. first matching pre-handler fault (status/reset/hang/html/body) -> consumed
 *      and applied; it takes no rate slot
 *   4. rate limit for the method's class -> 429 (a queued wrap fault is not consumed)
 *   5. wrap fault (truncated / lose-response) consumed, real handler runs
 * The body is read and `latencyMs` waited before anything is answered.
 *
 * With `validate` (an OpenAPI request validator), a request whose path,
 * method or query the document does not allow is answered 404/405/400 right
 * after auth (no fault consumed, no rate slot); one whose JSON body it does
 * not allow (malformed JSON included) is answered 400 once the body is read,
 * in place of any fault or handler (a fault it matched stays consumed).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultQueue, isPreHandlerFault, type FaultSpec } from './faults.js';
import type { RequestValidator } from './openapi.js';
import {
  bearerOk,
  detail,
  queryRecord,
  readBody,
  renderReply,
  retryAfterValue,
  sleep,
  writeReply,
  type RequestLogEntry,
  type RetryAfterMode,
  type SimReply,
  type SimStats,
  type SlidingWindow,
} from './http-util.js';

export interface SimRequest {
  method: string;
  /** Full pathname. */
  pathname: string;
  /** Pathname relative to the prefix, trailing slash removed ('' for the root). */
  route: string;
  /** Whether the original pathname ended with '/'. */
  trailingSlash: boolean;
  query: URLSearchParams;
  /** Parsed JSON body, or undefined when the body was empty. */
  body: unknown;
}

export interface SimServerOptions {
  token: string;
  prefix?: string;
  port?: number;
  latencyMs?: number;
  forbid?: boolean;
  retryAfterMode?: RetryAfterMode;
  limiterFor: (method: string) => SlidingWindow | null;
  onRequest?: (entry: Readonly<RequestLogEntry>) => void;
  handler: (req: SimRequest) => SimReply | Promise<SimReply>;
  /** Check requests against a published API description (see module doc). */
  validate?: RequestValidator;
  /** The simulator's clock (ms since epoch): request log times, rate windows, Retry-After dates. Default Date.now. */
  now?: () => number;
}

/** What both simulators expose. */
export interface SimBase {
  /** Base URL: `http://127.0.0.1:PORT` plus the prefix (if any). */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly port: number;
  /** Request log in arrival order. The same array for the simulator's lifetime. */
  readonly requests: RequestLogEntry[];
  /** Empty the request log and zero the stats. */
  resetLog(): void;
  /** Queue a fault (FIFO). */
  fault(spec: FaultSpec): void;
  /** Drop every queued fault. */
  clearFaults(): void;
  /** Fault uses still queued. */
  pendingFaults(): number;
  stats(): SimStats;
  setLatency(ms: number): void;
  /** Forget the rate windows (every limiter starts empty). */
  resetRateLimits(): void;
  /** Close the server, destroying every open socket (hanging ones too). */
  close(): Promise<void>;
}

export async function createSimServer(
  opts: SimServerOptions,
  allLimiters: () => SlidingWindow[],
): Promise<SimBase> {
  const prefix = (opts.prefix ?? '').replace(/\/+$/, '');
  const faults = new FaultQueue();
  const requests: RequestLogEntry[] = [];
  let stats: SimStats = { requests: 0, byMethod: {}, throttled: 0 };
  let latencyMs = opts.latencyMs ?? 0;
  const retryMode: RetryAfterMode = opts.retryAfterMode ?? 'seconds';
  const sockets = new Set<Socket>();
  const now = opts.now ?? Date.now;
  let origin = '';

  const routeOf = (pathname: string): string | null => {
    if (prefix && pathname !== prefix && !pathname.startsWith(prefix + '/')) return null;
    return pathname.slice(prefix.length).replace(/\/+$/, '');
  };

  const finish = (entry: RequestLogEntry, res: ServerResponse, reply: SimReply): void => {
    const { body, contentType } = renderReply(reply);
    entry.status = reply.status;
    entry.doneAt = now();
    const retryAfter = reply.headers?.['retry-after'];
    if (retryAfter !== undefined) entry.retryAfter = retryAfter;
    if (reply.status === 429) stats.throttled++;
    writeReply(res, reply.status, body, contentType, reply.headers);
  };

  const kill = (entry: RequestLogEntry, req: IncomingMessage): void => {
    entry.status = 'reset';
    entry.doneAt = now();
    req.socket.resetAndDestroy();
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', origin);
    const pathname = url.pathname;
    const route = routeOf(pathname);
    const auth = bearerOk(req.headers.authorization, opts.token);
    const entry: RequestLogEntry = {
      method,
      path: pathname,
      query: queryRecord(url.searchParams),
      status: 0,
      at,
      auth,
    };
    requests.push(entry);
    stats.requests++;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    try {
      opts.onRequest?.(entry);
    } catch {
      /* a test hook failing must not break the simulator */
    }

    // --- synchronous decisions ---
    let early: SimReply | undefined;
    let pre: FaultSpec | undefined;
    let wrap: FaultSpec | undefined;
    let rejected: SimReply | undefined;
    if (!auth) early = detail(401, 'Authentication credentials were not provided.');
    else if (opts.forbid) early = detail(403, 'You do not have permission to perform this action.');
    else if ((rejected = invalid(method, route, url.searchParams, pathname))) early = rejected;
    else {
      const f = faults.peek(method, pathname, route ?? pathname);
      if (f && isPreHandlerFault(f.kind)) {
        faults.consume(f);
        pre = f;
      } else {
        const limiter = opts.limiterFor(method);
        const wait = limiter ? limiter.tryAcquire(at) : 0;
        if (wait > 0) {
          const ra = retryAfterValue(retryMode, wait, at);
          early = {
            ...detail(429, `Request was throttled. Expected available in ${Math.ceil(wait / 1000)} seconds.`),
            headers: ra === undefined ? {} : { 'retry-after': ra },
          };
        } else if (f) {
          faults.consume(f);
          wrap = f;
        }
      }
    }
    if (pre?.kind === 'hang') {
      entry.status = 'hang';
      return; // never answered; close() destroys the socket
    }

    // --- asynchronous part ---
    const raw = await readBody(req);
    if (latencyMs > 0) await sleep(latencyMs);
    if (early) return finish(entry, res, early);
    const badBody = route !== null && opts.validate ? invalidBody(method, route, raw, pathname) : undefined;
    if (badBody) return finish(entry, res, badBody);
    if (pre) return applyPreFault(pre, entry, req, res);

    let reply: SimReply;
    if (route === null) reply = detail(404, 'Not found.');
    else {
      let body: unknown;
      let bad = false;
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          bad = true;
        }
      }
      if (bad) reply = detail(400, 'JSON parse error - malformed request body.');
      else {
        try {
          reply = await opts.handler({
            method,
            pathname,
            route,
            trailingSlash: pathname.length > 1 && pathname.endsWith('/'),
            query: url.searchParams,
            body,
          });
        } catch {
          reply = detail(500, 'Internal Server Error');
        }
      }
    }
    if (wrap?.kind === 'lose-response') return kill(entry, req);
    if (wrap?.kind === 'truncated') {
      const { body } = renderReply(reply);
      const cut = body.slice(0, Math.floor(body.length / 2));
      return finish(entry, res, { status: 200, raw: cut, contentType: 'application/json' });
    }
    finish(entry, res, reply);
  }

  function invalid(method: string, route: string | null, query: URLSearchParams, pathname: string): SimReply | undefined {
    if (!opts.validate || route === null) return undefined;
    const v = opts.validate.request(method, route, query, `${method} ${pathname}`);
    return v ? detail(v.status, v.message) : undefined;
  }

  function invalidBody(method: string, route: string, raw: string, pathname: string): SimReply | undefined {
    let body: unknown;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        return detail(400, `request body: not valid JSON (${method} ${pathname})`);
      }
    }
    const v = opts.validate!.body(method, route, body, `${method} ${pathname}`);
    return v ? detail(v.status, v.message) : undefined;
  }

  function applyPreFault(f: FaultSpec, entry: RequestLogEntry, req: IncomingMessage, res: ServerResponse): void {
    switch (f.kind) {
      case 'reset':
        return kill(entry, req);
      case 'html':
        return finish(entry, res, {
          status: f.status ?? 200,
          raw: '<html><body>Bad Gateway</body></html>',
          contentType: 'text/html',
        });
      case 'body':
        return finish(entry, res, {
          status: f.status ?? 200,
          raw: f.body ?? '',
          contentType: f.contentType ?? 'application/json',
        });
      default: {
        const status = f.status ?? 500;
        const reply: SimReply =
          f.body !== undefined
            ? { status, raw: f.body, contentType: f.contentType ?? 'application/json' }
            : detail(status, `Simulated ${status}`);
        if (f.retryAfter !== undefined) reply.headers = { 'retry-after': f.retryAfter };
        return finish(entry, res, reply);
      }
    }
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) writeReply(res, 500, '{"detail":"Internal Server Error"}', 'application/json');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url: origin + prefix,
    origin,
    port,
    requests,
    resetLog() {
      requests.length = 0;
      stats = { requests: 0, byMethod: {}, throttled: 0 };
    },
    fault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    stats: () => ({ ...stats, byMethod: { ...stats.byMethod } }),
    setLatency(ms) {
      latencyMs = ms;
    },
    resetRateLimits() {
      for (const l of allLimiters()) l.reset();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}
