import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { ApiError, AuthError, BadResponseError, HttpStatusError, NetworkError, RateLimitError, TimeoutError, AbortedError, ForbiddenError } from '../../src/http/errors.js';
import { type HttpClientOptions, type ResponseEvent } from '../../src/http/client.js';
import { SlidingWindowGate } from '../../src/http/gate.js';
import { fastClient } from '../helpers/http-client.js';
import { warpClock } from './warp-clock.js';
import { json, maxInAnyWindow, startServer, type TestServer } from './server.js';

const TOKEN = 'tok_SuperSecret_123456';
const servers: TestServer[] = [];

async function server(handler: Parameters<typeof startServer>[0], opts?: Parameters<typeof startServer>[1]): Promise<TestServer> {
  const s = await startServer(handler, opts);
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function client(baseUrl: string, over: Partial<HttpClientOptions> = {}) {
  return fastClient('secoda', baseUrl, TOKEN, { timeoutMs: 2000, concurrency: 10, backoffMaxMs: 50, rateLimitBaseMs: 100, ...over });
}

/** Tolerance for arrival-time jitter between the client's gate and the server's clock. */
const JITTER = 50;

function assertNoSecret(e: unknown): void {
  for (const text of [String((e as Error).message), JSON.stringify(e), inspect(e, { depth: 10, showHidden: true })]) {
    expect(text).not.toContain(TOKEN);
  }
  // No headers, options, request or response objects anywhere on the error.
  const keys = Object.getOwnPropertyNames(e).map((k) => k.toLowerCase());
  for (const k of ['headers', 'authorization', 'options', 'request', 'response', 'cause', 'input']) {
    expect(keys).not.toContain(k);
  }
}

describe('sliding-window rate gate', () => {
  it('the gate alone: at most `limit` starts in any window, on the real clock', async () => {
    const gate = new SlidingWindowGate({ limit: 3, windowMs: 200 }, { until: 0 }, undefined, 0);
    const times: number[] = [];
    const t0 = performance.now();
    // The admission stamps themselves (what the gate counts), not when the continuations
    // happened to run: under load those can bunch up and say nothing about the gate.
    await Promise.all(Array.from({ length: 9 }, () => gate.acquire().then((stamp) => times.push(stamp))));
    times.sort((a, b) => a - b);
    // At once, not spread out like a leaky bucket (which would admit the third at ~133 ms).
    expect(times[2] - t0).toBeLessThan(100);
    expect(maxInAnyWindow(times, 200)).toBeLessThanOrEqual(3);
    expect(times[8] - t0).toBeGreaterThanOrEqual(400);
  });

  it('never lets more than `limit` requests reach the server in any window, and the first `limit` go at once', async () => {
    const s = await server((_req, res) => json(res, 200, { ok: true }));
    const window = 400;
    const c = client(s.url, { readRate: { limit: 3, windowMs: window }, gateMarginMs: 10 });
    // Open the keep-alive sockets first so connection set-up does not skew arrival times.
    await Promise.all(Array.from({ length: 3 }, () => c.request({ method: 'GET', path: 'warm' })));
    await new Promise((r) => setTimeout(r, window + 20));
    s.seen.length = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 9 }, () => c.request({ method: 'GET', path: 'x' })));
    const times = s.seen.map((r) => r.at);
    expect(times).toHaveLength(9);
    // First three start immediately (not spread out like a leaky bucket).
    expect(times[2] - t0).toBeLessThan(window / 2);
    // No window (minus arrival jitter) ever sees more than 3 starts: no 2N bursts at a boundary
    // (a token bucket would show 6 around the boundary).
    expect(maxInAnyWindow(times, window - JITTER)).toBeLessThanOrEqual(3);
    // 9 requests at 3 per window need at least two further windows.
    expect(times[8] - times[0]).toBeGreaterThanOrEqual(2 * window - JITTER);
  });

  it('gates reads and writes separately', async () => {
    const s = await server((_req, res) => json(res, 200, {}));
    const c = client(s.url, { readRate: { limit: 2, windowMs: 400 }, writeRate: { limit: 2, windowMs: 400 } });
    const t0 = performance.now();
    await Promise.all([
      c.request({ method: 'GET', path: 'a' }),
      c.request({ method: 'GET', path: 'a' }),
      c.request({ method: 'POST', path: 'b', json: {} }),
      c.request({ method: 'DELETE', path: 'b' }),
    ]);
    // Four starts at once: two per gate.
    expect(Math.max(...s.seen.map((r) => r.at)) - t0).toBeLessThan(200);
    await c.request({ method: 'PATCH', path: 'b', json: {} });
    const patch = s.seen.find((r) => r.method === 'PATCH')!;
    expect(patch.at - t0).toBeGreaterThanOrEqual(400 - JITTER);
  });

  it('gates every attempt, retries included', async () => {
    const s = await server((_req, res, seen) => json(res, seen.n <= 2 ? 503 : 200, {}));
    const c = client(s.url, { readRate: { limit: 1, windowMs: 300 } });
    const res = await c.request({ method: 'GET', path: 'x' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    // Backoff alone would retry after ~5 ms; the gate holds each retry for a window.
    const t = s.seen.map((r) => r.at);
    expect(t[1] - t[0]).toBeGreaterThanOrEqual(300 - JITTER);
    expect(t[2] - t[1]).toBeGreaterThanOrEqual(300 - JITTER);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const s = await server(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 60));
      json(res, 200, {});
    });
    const c = client(s.url, { concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => c.request({ method: 'GET', path: 'x' })));
    expect(s.seen).toHaveLength(6);
    expect(s.maxInFlight()).toBe(2);
  });
});

// The pauses are waited on a warp clock (no real time passes); the server stamps arrivals on it too.
describe('429 handling', () => {
  it('a 429 on one request pauses every request of that client for Retry-After seconds', async () => {
    const clock = warpClock();
    let sent429At = 0;
    const s = await server((_req, res, seen) => {
      if (seen.n === 1) {
        sent429At = clock.now();
        return json(res, 429, { detail: 'throttled' }, { 'retry-after': '1' });
      }
      json(res, 200, { n: seen.n });
    }, { now: clock.now });
    const warns: unknown[] = [];
    const c = client(s.url, { clock, logger: { debug: () => {}, warn: (o: unknown) => warns.push(o) } as never });
    const first = c.request({ method: 'GET', path: 'a' });
    // The client has had the 429 (it warns as it pauses): not a fixed sleep, which a busy machine outlasts.
    while (warns.length === 0) await new Promise((r) => setTimeout(r, 5));
    // Started after the 429: a read and a write — both wait for the pause.
    const others = [c.request({ method: 'GET', path: 'b' }), c.request({ method: 'POST', path: 'c', json: {} })];
    const results = await Promise.all([first, ...others]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results[0].attempts).toBe(2);
    for (const r of s.seen.slice(1)) expect(r.at - sent429At).toBeGreaterThanOrEqual(1000 - JITTER);
    expect(warns.length).toBeGreaterThan(0);
    expect(JSON.stringify(warns)).not.toContain(TOKEN);
  });

  it('honours an HTTP-date Retry-After', async () => {
    const clock = warpClock();
    let sent429At = 0;
    let until = 0;
    const s = await server((_req, res, seen) => {
      if (seen.n === 1) {
        sent429At = clock.now();
        const date = new Date(clock.epochNow() + 2000);
        until = Math.floor(date.getTime() / 1000) * 1000 - clock.epochNow(); // what the header really says
        return json(res, 429, {}, { 'retry-after': date.toUTCString() });
      }
      json(res, 200, {});
    }, { now: clock.now });
    const c = client(s.url, { clock });
    await c.request({ method: 'GET', path: 'a' });
    expect(s.seen[1].at - sent429At).toBeGreaterThanOrEqual(Math.min(until, 1000) - JITTER);
    expect(s.seen[1].at - sent429At).toBeLessThan(2500);
  });

  it('without Retry-After waits at least rateLimitBaseMs before each retry', async () => {
    const s = await server((_req, res, seen) => json(res, seen.n <= 2 ? 429 : 200, {}));
    const c = client(s.url, { rateLimitBaseMs: 200 });
    const res = await c.request({ method: 'GET', path: 'a' });
    expect(res.attempts).toBe(3);
    const t = s.seen.map((r) => r.at);
    expect(t[1] - t[0]).toBeGreaterThanOrEqual(200 - JITTER);
    expect(t[2] - t[1]).toBeGreaterThanOrEqual(200 - JITTER);
  });

  it('a Retry-After at the cap is waited for', async () => {
    const s = await server((_req, res, seen) => json(res, seen.n === 1 ? 429 : 200, {}, seen.n === 1 ? { 'retry-after': '0.3' } : {}));
    const c = client(s.url, { maxRetryAfterMs: 300 });
    await c.request({ method: 'GET', path: 'a' });
    expect(s.seen[1].at - s.seen[0].at).toBeGreaterThanOrEqual(300 - JITTER);
  });
});

describe('429 budget (a clock that skips the waits; requests on real sockets)', () => {
  /** Writes at Secoda's documented 30/min, default 429 policy (1 s least pause, 60 s cap), RETRY_LIMIT 3. */
  function writer(url: string, clock: ReturnType<typeof warpClock>) {
    return client(url, { writeRate: { limit: 30, windowMs: 60_000 }, retryLimit: 3, rateLimitBaseMs: 1000, maxRetryAfterMs: 60_000, clock });
  }

  for (const header of [undefined, '0'] as const) {
    const what = header === undefined ? 'without Retry-After' : 'with Retry-After: 0';
    it(`a 429 ${what}: pauses >= 1 s, backs off, keeps retrying for a full 60 s window (more than RETRY_LIMIT tries), then fails naming it`, async () => {
      const clock = warpClock();
      const arrivals: number[] = [];
      const s = await server((_req, res) => {
        arrivals.push(clock.now());
        json(res, 429, { detail: 'Request was throttled.' }, header === undefined ? {} : { 'retry-after': header });
      });
      const err = await writer(s.url, clock).request({ method: 'POST', path: 'api/v1/user/', json: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitError);
      expect(err).toMatchObject({ code: 'E_RATE_LIMITED', status: 429, retryable: true, api: 'secoda', method: 'POST' });
      expect((err as Error).message).toMatch(/^secoda API kept answering 429 Too Many Requests to POST \S+ for \d+(\.\d)? s \(\d+ attempts; the 60 s rate window has passed\)$/);
      // More tries than RETRY_LIMIT allows (4), spread over at least one full window.
      expect(arrivals.length).toBeGreaterThan(4);
      expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(60_000);
      const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000 - JITTER);
      // Backing off: the late pauses are far longer than the first (1 s doubling, jittered within [d/2, d]).
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(8000);
      expect(gaps[0]).toBeLessThan(1000 + JITTER);
      // And no longer than needed: the try after the window's end is the last one.
      expect(arrivals.at(-2)! - arrivals[0]!).toBeLessThan(60_000);
    });
  }

  it('429s without Retry-After, then an answer: the request succeeds after more tries than RETRY_LIMIT', async () => {
    const clock = warpClock();
    const s = await server((_req, res, seen) => json(res, seen.n <= 6 ? 429 : 201, { id: 'u1' }));
    const res = await writer(s.url, clock).request({ method: 'POST', path: 'api/v1/user/', json: {} });
    expect(res.status).toBe(201);
    expect(res.attempts).toBe(7);
    expect(s.seen).toHaveLength(7);
  });

  it('a Retry-After above the cap fails the request at once naming the wait; nothing is sent until that wait is over', async () => {
    const clock = warpClock();
    const s = await server((_req, res, seen) => (seen.n === 1 ? json(res, 429, {}, { 'retry-after': '3600' }) : json(res, 200, {})));
    const c = writer(s.url, clock);
    const err = await c.request({ method: 'POST', path: 'api/v1/user/', json: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as Error).message).toBe(
      `secoda API asked to wait 3600 s (Retry-After), more than the 60 s cap; not retried (POST ${s.url}/api/v1/user/)`,
    );
    expect(err).toMatchObject({ code: 'E_RATE_LIMITED', status: 429, attempts: 1, api: 'secoda', method: 'POST' });
    expect(s.seen).toHaveLength(1);
    expect(clock.skipped()).toBe(0); // not a moment of waiting
    // Any request of this API (a read too) fails without being sent while the wait lasts.
    const later = await c.request({ method: 'GET', path: 'api/v1/user/' }).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(RateLimitError);
    expect((later as Error).message).toMatch(/^secoda API asked to wait 3600 s \(Retry-After\), more than the 60 s cap: GET \S+ not sent \(\d+(\.\d)? s of the wait left\)$/);
    expect(s.seen).toHaveLength(1);
    clock.advance(3_600_000);
    expect((await c.request({ method: 'GET', path: 'api/v1/user/' })).status).toBe(200);
    expect(s.seen).toHaveLength(2);
  });
});

describe('retries', () => {
  it('retries 5xx with backoff and reports each attempt', async () => {
    const s = await server((_req, res, seen) => json(res, seen.n === 1 ? 500 : seen.n === 2 ? 502 : 200, { ok: seen.n }));
    const events: ResponseEvent[] = [];
    const c = client(s.url, { onResponse: (e) => events.push(e) });
    const res = await c.request<{ ok: number }>({ method: 'GET', path: 'a' });
    expect(res.body.ok).toBe(3);
    expect(res.history.map((h) => [h.status, h.ambiguous])).toEqual([
      [500, true],
      [502, true],
      [200, false],
    ]);
    expect(events.map((e) => e.status)).toEqual([500, 502, 200]);
    expect(events.every((e) => e.api === 'secoda' && e.method === 'GET')).toBe(true);
  });

  it('gives up on 5xx after retryLimit with a retryable HttpStatusError', async () => {
    const s = await server((_req, res) => json(res, 500, { detail: 'boom' }));
    const err = await client(s.url, { retryLimit: 2 })
      .request({ method: 'GET', path: 'a' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err).toMatchObject({ code: 'E_HTTP_STATUS', status: 500, retryable: true, attempts: 3 });
    expect(s.seen).toHaveLength(3);
  });

  it('retries a connection reset', async () => {
    const s = await server((req, res, seen) => {
      if (seen.n === 1) return req.socket.destroy();
      json(res, 200, { ok: true });
    });
    const res = await client(s.url).request({ method: 'GET', path: 'a' });
    expect(res.status).toBe(200);
    expect(res.history[0]).toMatchObject({ status: null, code: 'ECONNRESET', ambiguous: true });
  });

  it('retries a timeout, then fails with TimeoutError', async () => {
    const s = await server(() => {
      /* never answers */
    });
    const err = await client(s.url, { timeoutMs: 100, retryLimit: 1 })
      .request({ method: 'GET', path: 'a' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'E_TIMEOUT', attempts: 2, retryable: true });
    expect((err as Error).message).toMatch(/secoda API did not answer GET http:\/\/127\.0\.0\.1:\d+\/a within 100 ms/);
    expect(s.seen).toHaveLength(2);
  });

  it('succeeds when a retry after a timeout is answered', async () => {
    const s = await server((_req, res, seen) => {
      if (seen.n === 1) return;
      json(res, 200, {});
    });
    const res = await client(s.url, { timeoutMs: 100 }).request({ method: 'GET', path: 'a' });
    expect(res.history.map((h) => h.code)).toEqual(['ETIMEDOUT', null]);
  });

  it('refused connections are retried, then NetworkError (not ambiguous)', async () => {
    const s = await startServer(() => {});
    const url = s.url;
    await s.close();
    const err = await client(url, { retryLimit: 2 })
      .request({ method: 'POST', path: 'a', json: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'E_NETWORK', attempts: 3, causeCode: 'ECONNREFUSED' });
    expect((err as ApiError).history.every((h) => !h.ambiguous)).toBe(true);
    expect((err as Error).message).toContain('could not reach secoda API for POST');
    assertNoSecret(err);
  });

  it('does not retry other 4xx', async () => {
    for (const status of [400, 404, 422]) {
      const s = await server((_req, res) => json(res, status, { detail: 'nope' }));
      const err = await client(s.url).request({ method: 'GET', path: 'a' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpStatusError);
      expect(err).toMatchObject({ code: 'E_HTTP_STATUS', status, retryable: false, attempts: 1 });
      expect(s.seen).toHaveLength(1);
    }
  });

  it('does not follow redirects (the Authorization header must not travel); says to check the base URL', async () => {
    const s = await server((_req, res) => {
      res.writeHead(301, { location: 'https://elsewhere.example/login?token=abc123' });
      res.end();
    });
    const err = await client(s.url).request({ method: 'GET', path: 'api/v1/user' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as Error).message).toBe(
      `secoda API answered GET ${s.url}/api/v1/user: 301 Moved Permanently (redirect to https://elsewhere.example/login?token=***; check the base URL)`,
    );
    expect(s.seen).toHaveLength(1);
  });

  it('returns accepted non-2xx statuses instead of throwing', async () => {
    const s = await server((_req, res) => json(res, 404, { detail: 'Not found.' }));
    const res = await client(s.url).request({ method: 'DELETE', path: 'a', acceptStatus: [404] });
    expect(res).toMatchObject({ status: 404, body: { detail: 'Not found.' } });
  });
});

describe('errors are readable and carry no secret', () => {
  it('401 -> AuthError naming the API and the variable to check', async () => {
    const s = await server((_req, res) => json(res, 401, { detail: 'bad key' }));
    const err = await client(s.url).request({ method: 'GET', path: '/api/v1/user/', searchParams: { page: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toBe(
      `secoda API refused GET ${s.url}/api/v1/user/?page=1: 401 Unauthorized — check SECODA_API_KEY`,
    );
    expect(err).toMatchObject({ code: 'E_AUTH', status: 401, retryable: false, attempts: 1, api: 'secoda', method: 'GET' });
    expect(s.seen).toHaveLength(1);
    assertNoSecret(err);
  });

  it('403 on a write -> ForbiddenError with the API\'s reason, scrubbed; 403 on a read stays AuthError', async () => {
    const s = await server((req, res) =>
      json(res, 403, { detail: req.method === 'GET' ? 'no access' : `cannot delete the workspace owner (key ${TOKEN})` }),
    );
    const c = client(s.url);
    const err = await c.request({ method: 'DELETE', path: 'api/v1/user/u1/' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toBe(
      `secoda API refused DELETE ${s.url}/api/v1/user/u1/: 403 Forbidden: cannot delete the workspace owner (key ***)`,
    );
    expect(err).toMatchObject({ code: 'E_FORBIDDEN', status: 403, retryable: false, attempts: 1, hint: 'check SECODA_API_KEY' });
    assertNoSecret(err);
    const read = await c.request({ method: 'GET', path: 'api/v1/user/' }).catch((e: unknown) => e);
    expect(read).toBeInstanceOf(AuthError);
    expect(read).toMatchObject({ code: 'E_AUTH', status: 403 });
    expect(s.seen).toHaveLength(2);
  });

  it('403 on the org client names ORG_API_TOKEN', async () => {
    const s = await server((_req, res) => json(res, 403, {}));
    const err = await client(s.url, { api: 'org', authHint: 'check ORG_API_TOKEN' })
      .request({ method: 'GET', path: 'organization/users' })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^org API refused GET .*: 403 Forbidden — check ORG_API_TOKEN$/);
  });

  it('strips userinfo and credential query parameters from url, message, JSON and inspect output', async () => {
    const s = await server((req, res) =>
      // A server that echoes everything back, token included.
      json(res, 400, { detail: `bad request ${req.headers.authorization} ${req.url}` }),
    );
    const base = s.url.replace('http://', 'http://admin:hunter2hunter2@');
    const err = await client(base)
      .request({ method: 'GET', path: 'a', searchParams: { page: 2, api_key: TOKEN, access_token: 'zzz-secret-zzz' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    const e = err as ApiError;
    expect(e.url).toBe(`${s.url}/a?page=2&api_key=***&access_token=***`);
    for (const text of [e.message, JSON.stringify(e), inspect(e, { depth: 10, showHidden: true })]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('zzz-secret-zzz');
    }
    assertNoSecret(err);
    // The request itself did carry the token (as a bearer header only).
    expect(s.seen[0].authorization).toBe(`Bearer ${TOKEN}`);
    // no request objects / options on the error
    expect(Object.keys(e)).not.toContain('options');
    expect(Object.keys(e)).not.toContain('response');
    expect(e.cause).toBeUndefined();
  });

  it('network errors carry no low-level error or options', async () => {
    const s = await server((req) => req.socket.destroy());
    const err = await client(s.url, { retryLimit: 0 }).request({ method: 'GET', path: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as ApiError).cause).toBeUndefined();
    assertNoSecret(err);
  });
});

describe('response bodies', () => {
  it('a 2xx body that is not JSON -> BadResponseError, not retried', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Login</body></html>');
    });
    const err = await client(s.url).request({ method: 'GET', path: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect(err).toMatchObject({ code: 'E_BAD_RESPONSE', status: 200, retryable: false });
    expect((err as Error).message).toContain('not valid JSON');
    expect(s.seen).toHaveLength(1);
  });

  it('truncated JSON -> BadResponseError', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"results": [{"id": 1');
    });
    await expect(client(s.url).request({ method: 'GET', path: 'a' })).rejects.toBeInstanceOf(BadResponseError);
  });

  it('204 and empty bodies -> undefined', async () => {
    const s = await server((_req, res, seen) => {
      res.writeHead(seen.n === 1 ? 204 : 200);
      res.end();
    });
    const c = client(s.url);
    expect((await c.request({ method: 'DELETE', path: 'a' })).body).toBeUndefined();
    expect((await c.request({ method: 'GET', path: 'a' })).body).toBeUndefined();
  });

  it('sends JSON bodies with a content type', async () => {
    const s = await server((req, res, seen) => json(res, 200, { got: JSON.parse(seen.body), ct: req.headers['content-type'] }));
    const res = await client(s.url).request<{ got: unknown; ct: string }>({ method: 'PATCH', path: 'a', json: { role: 'viewer' } });
    expect(res.body).toEqual({ got: { role: 'viewer' }, ct: 'application/json' });
  });
});

describe('base URLs', () => {
  it('keeps the base path, with or without a trailing slash', async () => {
    const s = await server((_req, res) => json(res, 200, {}));
    for (const base of [`${s.url}/v1`, `${s.url}/v1/`]) {
      const c = client(base);
      await c.request({ method: 'GET', path: 'organization/users', searchParams: { page_number: 1, page_size: 100 } });
      await c.request({ method: 'GET', path: '/organization' });
    }
    expect(s.seen.map((r) => r.url)).toEqual([
      '/v1/organization/users?page_number=1&page_size=100',
      '/v1/organization',
      '/v1/organization/users?page_number=1&page_size=100',
      '/v1/organization',
    ]);
  });

  it('resolves the documented Secoda hosts', () => {
    for (const base of ['https://api.secoda.co', 'https://eapi.secoda.co/', 'https://aapi.secoda.co', 'https://acme.secoda.co/']) {
      const c = client(base);
      expect(c.resolveUrl('api/v1/user/', { page: 1 })).toBe(`${base.replace(/\/$/, '')}/api/v1/user/?page=1`);
    }
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => client('ftp://example.com')).toThrow(TypeError);
    expect(() => client('not a url')).toThrow(TypeError);
  });
});

describe('cancellation', () => {
  it('an AbortSignal cancels a 429 pause', async () => {
    const s = await server((_req, res) => json(res, 429, {}, { 'retry-after': '30' }));
    const ac = new AbortController();
    const c = client(s.url, { signal: ac.signal });
    const t0 = performance.now();
    const p = c.request({ method: 'GET', path: 'a' }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 150);
    const err = await p;
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toMatchObject({ code: 'E_ABORTED', retryable: false });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a per-request signal cancels an in-flight request and queued ones', async () => {
    const s = await server(() => {
      /* hang */
    });
    const c = client(s.url, { concurrency: 1, timeoutMs: 10_000 });
    const ac = new AbortController();
    const a = c.request({ method: 'GET', path: 'a', signal: ac.signal }).catch((e: unknown) => e);
    const b = c.request({ method: 'GET', path: 'b', signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    expect(await a).toBeInstanceOf(AbortedError);
    expect(await b).toBeInstanceOf(AbortedError);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(s.seen).toHaveLength(1);
  });
});

describe('a bug of ours inside an attempt', () => {
  it('surfaces as itself, not as "cancelled": a clock that fails while the gate waits', async () => {
    const s = await server((_req, res) => json(res, 200, { ok: true }));
    const broken = new TypeError('clock.sleep is broken');
    const clock = { now: () => performance.now(), sleep: async () => Promise.reject(broken) };
    const c = client(s.url, { readRate: { limit: 1, windowMs: 60_000 }, clock });
    expect((await c.request({ method: 'GET', path: 'first' })).status).toBe(200);
    // The second start has to wait for the window: the wait itself throws.
    const err = await c.request({ method: 'GET', path: 'second' }).catch((e: unknown) => e);
    expect(err).toBe(broken);
    expect(err).not.toBeInstanceOf(ApiError);
    expect(s.seen.map((r) => r.url)).toEqual(['/first']);
  });

  it('a body that cannot be serialised is thrown as the TypeError it is, before anything is sent', async () => {
    const s = await server((_req, res) => json(res, 200, { ok: true }));
    const err = await client(s.url).request({ method: 'POST', path: 'x', json: { n: 1n } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(ApiError);
    expect(s.seen).toHaveLength(0);
  });
});

describe('logging', () => {
  it('logs one debug line per attempt with api, method, redacted url, status and ms — never headers', async () => {
    const s = await server((_req, res, seen) => json(res, seen.n === 1 ? 503 : 200, {}));
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      debug: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 'debug', obj, msg }),
      warn: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', obj, msg }),
    };
    await client(s.url, { logger: logger as never }).request({ method: 'GET', path: 'a', searchParams: { token: TOKEN } });
    const debug = lines.filter((l) => l.level === 'debug');
    expect(debug).toHaveLength(2);
    expect(debug[0].obj).toMatchObject({ api: 'secoda', method: 'GET', status: 503, url: `${s.url}/a?token=***` });
    expect(typeof debug[0].obj.ms).toBe('number');
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    const all = JSON.stringify(lines);
    expect(all).not.toContain(TOKEN);
    expect(all.toLowerCase()).not.toContain('authorization');
  });
});
