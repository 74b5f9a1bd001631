/** GET /healthz, /readyz and /metrics for orchestrators and Prometheus. */
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export interface HealthState {
  /** Last finished run, if any. */
  lastRun(): { id: number; status: string; finishedAt: string | null } | null;
  /** Migrations ran and the database answers. */
  ready(): Promise<boolean>;
}

export async function startHealthServer(options: { host: string; port: number; metrics: Metrics; state: HealthState }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ error: 'method not allowed' }));
      if (path === '/healthz') return send(200, JSON.stringify({ status: 'ok', lastRun: options.state.lastRun() }));
      if (path === '/readyz') {
        const ready = await options.state.ready();
        return send(ready ? 200 : 503, JSON.stringify({ ready }));
      }
      if (path === '/metrics') return send(200, await options.metrics.text(), options.metrics.registry.contentType);
      return send(404, JSON.stringify({ error: 'not found', paths: ['/healthz', '/readyz', '/metrics'] }));
    } catch {
      return send(500, JSON.stringify({ error: 'internal error' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new Error(`cannot serve health and metrics on ${options.host}:${options.port} (${err.code}): set HTTP_PORT to a free port, or 0 to disable the server`)
          : err,
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
