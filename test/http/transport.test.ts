/**
 * What the client's transport (src/http/transport.ts) rebuilt from got, on
 * real sockets: the timeout over the whole exchange, a connection lost
 * mid-body, a signal mid-request, decompression, keep-alive sockets and
 * closing them, and HTTPS with the certificate verified.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect, promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClientOptions } from '../../src/http/client.js';
import { AbortedError, type ApiError, NetworkError, TimeoutError } from '../../src/http/errors.js';
import { fastClient } from '../helpers/http-client.js';
import { json, startServer, type TestServer } from './server.js';

const TOKEN = 'tok_TransportSecret_98765';
const here = dirname(fileURLToPath(import.meta.url));
const closers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  closers.push(() => s.close());
  return s;
}

function client(baseUrl: string, over: Partial<HttpClientOptions> = {}) {
  const c = fastClient('secoda', baseUrl, TOKEN, { timeoutMs: 2000, concurrency: 4, backoffMaxMs: 20, ...over });
  closers.push(() => c.close());
  return c;
}

function assertNoSecret(e: unknown): void {
  for (const text of [String((e as Error).message), JSON.stringify(e), inspect(e, { depth: 10, showHidden: true })]) {
    expect(text).not.toContain(TOKEN);
  }
  expect((e as ApiError).cause).toBeUndefined();
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('the timeout covers the whole exchange', () => {
  it('a body that keeps trickling in past the timeout times out (ETIMEDOUT), is retried, then fails as TimeoutError', async () => {
    const s = await server((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"results": [');
      // A byte every 20 ms: no read ever waits long, the whole answer never ends.
      const t = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(t));
    });
    const t0 = performance.now();
    const err = await client(s.url, { timeoutMs: 150, retryLimit: 1 }).request({ method: 'GET', path: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'E_TIMEOUT', attempts: 2, retryable: true, causeCode: 'ETIMEDOUT' });
    expect((err as ApiError).history.map((h) => [h.code, h.ambiguous])).toEqual([['ETIMEDOUT', true], ['ETIMEDOUT', true]]);
    expect(performance.now() - t0).toBeLessThan(1500);
    // The timed-out exchanges' sockets are not kept for the next request.
    await until(() => s.openConnections() === 0);
    assertNoSecret(err);
  });
});

describe('a connection lost mid-body', () => {
  const halfAnswer = (req: Parameters<Parameters<typeof startServer>[0]>[0], res: Parameters<Parameters<typeof startServer>[0]>[1]) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"id": "u1", "em');
    setTimeout(() => req.socket.destroy(), 20);
  };

  it('is a reset (ECONNRESET, ambiguous) and is retried', async () => {
    const s = await server((req, res, seen) => (seen.n === 1 ? halfAnswer(req, res) : json(res, 200, { id: 'u1' })));
    const res = await client(s.url).request({ method: 'GET', path: 'a' });
    expect(res.body).toEqual({ id: 'u1' });
    expect(res.history.map((h) => [h.status, h.code, h.ambiguous])).toEqual([[null, 'ECONNRESET', true], [200, null, false]]);
  });

  it('out of retries: NetworkError naming ECONNRESET, without the token', async () => {
    const s = await server((req, res) => halfAnswer(req, res));
    const err = await client(s.url, { retryLimit: 0 }).request({ method: 'PATCH', path: 'a', json: { role: 'viewer' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'E_NETWORK', causeCode: 'ECONNRESET', retryable: true, attempts: 1 });
    expect((err as ApiError).history[0]).toMatchObject({ status: null, code: 'ECONNRESET', ambiguous: true });
    assertNoSecret(err);
  });
});

describe('a signal mid-request', () => {
  it('cancels the exchange at once while the body is arriving, and closes its connection', async () => {
    const s = await server((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"results": [');
    });
    const ac = new AbortController();
    const c = client(s.url, { timeoutMs: 10_000 });
    const p = c.request({ method: 'GET', path: 'a', signal: ac.signal }).catch((e: unknown) => e);
    await until(() => s.seen.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    ac.abort();
    const err = await p;
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toMatchObject({ code: 'E_ABORTED', retryable: false });
    expect(performance.now() - t0).toBeLessThan(500);
    await until(() => s.openConnections() === 0);
    expect(s.seen).toHaveLength(1);
  });
});

describe('answers', () => {
  it('asks for compression and decompresses gzip, deflate and br; an identity body as it is', async () => {
    const body = { results: Array.from({ length: 50 }, (_, i) => ({ id: `u${i}`, email: `u${i}@example.com`, name: 'Zoë Ünal' })) };
    const encoders: Record<string, (b: Buffer) => Buffer> = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync };
    const asked: (string | undefined)[] = [];
    const s = await server((req, res) => {
      asked.push(req.headers['accept-encoding']);
      const encoding = new URL(req.url ?? '/', 'http://x').searchParams.get('as') ?? 'identity';
      const raw = Buffer.from(JSON.stringify(body));
      res.writeHead(200, { 'content-type': 'application/json', ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }) });
      res.end(encoding === 'identity' ? raw : encoders[encoding]!(raw));
    });
    const c = client(s.url);
    for (const as of ['gzip', 'deflate', 'br', 'identity']) {
      expect((await c.request({ method: 'GET', path: 'a', searchParams: { as } })).body, as).toEqual(body);
    }
    expect(asked.every((a) => a === 'gzip, deflate, br')).toBe(true);
  });

  it('a corrupt compressed body is a failure of its own, not retried', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('this is not gzip');
    });
    const err = await client(s.url).request({ method: 'GET', path: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ causeCode: 'Z_DATA_ERROR', attempts: 1, retryable: false });
  });

  it('sends content-length with a JSON body, and 0 for a write without one (never chunked)', async () => {
    const heads: Record<string, string | undefined>[] = [];
    const s = await server((req, res) => {
      heads.push({ length: req.headers['content-length'], type: req.headers['content-type'], te: req.headers['transfer-encoding'] });
      json(res, 200, {});
    });
    const c = client(s.url);
    await c.request({ method: 'PATCH', path: 'a', json: { first_name: 'Zoë' } });
    await c.request({ method: 'POST', path: 'a' });
    await c.request({ method: 'GET', path: 'a' });
    expect(heads).toEqual([
      { length: String(Buffer.byteLength('{"first_name":"Zoë"}')), type: 'application/json', te: undefined },
      { length: '0', type: undefined, te: undefined },
      { length: undefined, type: undefined, te: undefined },
    ]);
  });
});

describe('sockets', () => {
  it('are kept alive: one for requests in a row, at most `concurrency` for requests at once', async () => {
    const s = await server(async (req, res) => {
      await new Promise((r) => setTimeout(r, 10));
      json(res, 200, {});
    });
    const c = client(s.url, { concurrency: 3 });
    for (let i = 0; i < 5; i++) await c.request({ method: 'GET', path: 'a' });
    expect(s.connections()).toBe(1);
    await Promise.all(Array.from({ length: 12 }, () => c.request({ method: 'GET', path: 'b' })));
    expect(s.connections()).toBeLessThanOrEqual(3);
    expect(s.seen).toHaveLength(17);
  });

  it('close() ends them; a request after it opens a new one', async () => {
    const s = await server((req, res) => {
      json(res, 200, {});
    });
    const c = client(s.url);
    await c.request({ method: 'GET', path: 'a' });
    expect(s.openConnections()).toBe(1);
    c.close();
    await until(() => s.openConnections() === 0);
    expect((await c.request({ method: 'GET', path: 'a' })).status).toBe(200);
    expect(s.connections()).toBe(2);
  });
});

// A self-signed certificate for 127.0.0.1 made for this run (no private key is kept in the repository);
// without an openssl binary the HTTPS cases are skipped.
const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe.skipIf(!openssl)('https', () => {
  let dir = '';
  let cert = '';
  let key = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sus-tls-'));
    cert = join(dir, 'localhost.crt');
    key = join(dir, 'localhost.key');
    await promisify(execFile)(openssl!, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
    ]);
  });

  async function httpsServer(): Promise<string> {
    const srv = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
      json(res, 200, { tls: (req.socket as { encrypted?: boolean }).encrypted === true, auth: req.headers.authorization === `Bearer ${TOKEN}` });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections();
    }));
    return `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  }

  it('verifies the certificate: one nobody vouches for is refused with its TLS code, not retried, without the token', async () => {
    const url = await httpsServer();
    const err = await client(url).request({ method: 'GET', path: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ causeCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', attempts: 1, retryable: false });
    assertNoSecret(err);
  });

  it('with the certificate trusted (NODE_EXTRA_CA_CERTS): answered over TLS; the process exits by itself with its idle socket open', async () => {
    const url = await httpsServer();
    // The built client (test/setup builds dist/), in a process of its own: the CA list is read at start-up.
    const clientModule = pathToFileURL(join(here, '..', '..', 'dist', 'http', 'client.js')).href;
    const script = `
      import { createHttpClient } from ${JSON.stringify(clientModule)};
      const c = createHttpClient({ api: 'secoda', baseUrl: process.argv[1], token: process.env.TOKEN, timeoutMs: 5000,
        readRate: { limit: 10, windowMs: 1000 }, writeRate: { limit: 10, windowMs: 1000 }, concurrency: 2, retryLimit: 0 });
      const res = await c.request({ method: 'GET', path: 'api/v1/user/' });
      const answered = performance.now();
      process.on('exit', () => console.log(JSON.stringify({ ...res.body, exitAfterMs: performance.now() - answered })));`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script, url], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: cert, TOKEN }, timeout: 20_000,
      }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)));
    });
    const { exitAfterMs, ...body } = JSON.parse(out) as { exitAfterMs: number };
    expect(body).toEqual({ tls: true, auth: true });
    // Well before the idle socket's timeout (4 s; the server's, 5 s): nothing held the event loop open.
    expect(exitAfterMs).toBeLessThan(2_000);
  });
});
