import { afterEach, describe, expect, it } from 'vitest';
import { startOrgSim, startSecodaSim, type SecodaSim } from '../../tools/simulators/index.js';
import { call, KEY, wait } from './helpers.js';

let sim: SecodaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const start = async () => {
  sim = await startSecodaSim({ apiKey: KEY, writeLimit: null });
  sim.seed([{ email: 'a@example.com', role: 'viewer' }]);
  return sim;
};
const LIST = '/api/v1/user/';
const newUser = (email: string) => ({ method: 'POST', body: { email, role: 'viewer', first_name: 'N', last_name: 'U' } });

describe('faults', () => {
  it('status: answers the given status, Retry-After and body, `times` times, then the real thing', async () => {
    const s = await start();
    s.fault({ kind: 'status', status: 503, retryAfter: '2', times: 2 });
    const a = await call(s.url, LIST);
    expect(a.status).toBe(503);
    expect(a.headers.get('retry-after')).toBe('2');
    expect((await call(s.url, LIST)).status).toBe(503);
    expect((await call(s.url, LIST)).status).toBe(200);
    s.fault({ kind: 'status', status: 500, body: 'oops' });
    expect((await call(s.url, LIST)).text).toBe('oops');
    s.fault({ kind: 'status', status: 429 });
    expect((await call(s.url, LIST)).status).toBe(429);
    expect(s.stats().throttled).toBe(1);
    expect(s.pendingFaults()).toBe(0);
  });

  it('matches method and path (string or RegExp) in FIFO order', async () => {
    const s = await start();
    s.fault({ kind: 'status', status: 502, method: 'post' });
    s.fault({ kind: 'status', status: 500, path: /^\/api\/v1\/user\/[^/]+$/ });
    s.fault({ kind: 'status', status: 504, path: LIST });
    s.fault({ kind: 'status', status: 503, path: LIST });
    expect((await call(s.url, LIST)).status).toBe(504);
    expect((await call(s.url, '/api/v1/user/x')).status).toBe(500);
    expect((await call(s.url, LIST, newUser('b@example.com'))).status).toBe(502);
    expect((await call(s.url, LIST)).status).toBe(503);
    expect((await call(s.url, LIST)).status).toBe(200);
  });

  it('matches org paths with or without the prefix', async () => {
    const org = await startOrgSim({ token: KEY });
    try {
      org.fault({ kind: 'status', status: 500, path: '/organization/users' });
      org.fault({ kind: 'status', status: 502, path: '/v1/organization/users' });
      expect((await call(org.url, '/organization')).status).toBe(200);
      expect((await call(org.url, '/organization/users')).status).toBe(500);
      expect((await call(org.url, '/organization/users')).status).toBe(502);
      expect((await call(org.url, '/organization/users')).status).toBe(200);
    } finally {
      await org.close();
    }
  });

  it('reset: destroys the socket without answering', async () => {
    const s = await start();
    s.fault({ kind: 'reset' });
    await expect(call(s.url, LIST, newUser('r@example.com'))).rejects.toThrow();
    expect(s.byEmail('r@example.com')).toBeUndefined();
    expect(s.requests.at(-1)?.status).toBe('reset');
    expect((await call(s.url, LIST)).status).toBe(200);
  });

  it('hang: never answers; close() still returns promptly', async () => {
    const s = await start();
    s.fault({ kind: 'hang' });
    await expect(call(s.url, LIST, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(s.requests.at(-1)?.status).toBe('hang');
    s.fault({ kind: 'hang' });
    const pending = fetch(s.url + LIST, { headers: { authorization: `Bearer ${KEY}` } }).catch((e: unknown) => e);
    await wait(30);
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('html: 200 with an HTML page', async () => {
    const s = await start();
    s.fault({ kind: 'html' });
    const r = await call(s.url, LIST);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.text).toBe('<html><body>Bad Gateway</body></html>');
  });

  it('truncated: 200 JSON content-type with half of the real body', async () => {
    const s = await start();
    const full = (await call(s.url, LIST)).text;
    s.fault({ kind: 'truncated' });
    const r = await call(s.url, LIST);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.text).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('body: a raw body with the given status', async () => {
    const s = await start();
    s.fault({ kind: 'body', body: '{"count": "lots"}' });
    s.fault({ kind: 'body', status: 404, body: 'gone', contentType: 'text/plain' });
    expect((await call(s.url, LIST)).json).toEqual({ count: 'lots' });
    const r = await call(s.url, LIST);
    expect([r.status, r.text, r.headers.get('content-type')]).toEqual([404, 'gone', 'text/plain']);
  });

  it('lose-response: the create really happens, the answer is lost', async () => {
    const s = await start();
    s.fault({ kind: 'lose-response', method: 'POST' });
    await expect(call(s.url, LIST, newUser('lost@example.com'))).rejects.toThrow();
    expect(s.byEmail('lost@example.com')?.pending).toBe(true);
    expect(s.requests.at(-1)?.status).toBe('reset');
    const again = await call(s.url, LIST, newUser('lost@example.com'));
    expect(again.json).toEqual({ email: ['user with this email already exists.'] });
  });

  it('faults wait behind auth: a 401 does not consume one', async () => {
    const s = await start();
    s.fault({ kind: 'status', status: 500 });
    expect((await call(s.url, LIST, { token: 'bad' })).status).toBe(401);
    expect((await call(s.url, LIST)).status).toBe(500);
  });
});
