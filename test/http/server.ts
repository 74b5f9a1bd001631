/** A tiny node:http server for the client's mechanics tests. Times are performance.now(), or the `now` given (a warp clock's). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Seen {
  n: number;
  method: string;
  url: string;
  at: number;
  authorization: string | undefined;
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => unknown;

export interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  /** Requests currently being handled. */
  inFlight(): number;
  maxInFlight(): number;
  /** Connections accepted so far, and those still open. */
  connections(): number;
  openConnections(): number;
  close(): Promise<void>;
}

export async function startServer(handler: Handler, opts: { now?: () => number } = {}): Promise<TestServer> {
  const now = opts.now ?? (() => performance.now());
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const entry: Seen = {
      n: seen.length + 1,
      method: req.method ?? '',
      url: req.url ?? '',
      at: now(),
      authorization: req.headers.authorization,
      body: '',
    };
    seen.push(entry);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks).toString('utf8');
      Promise.resolve(handler(req, res, entry)).catch(() => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        }
      });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    accepted++;
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    connections: () => accepted,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** Max number of starts within any window of `windowMs` (times ascending). */
export function maxInAnyWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
