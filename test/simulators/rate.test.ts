import { afterEach, describe, expect, it } from 'vitest';
import { startOrgSim, startSecodaSim, type OrgSim, type SecodaSim } from '../../tools/simulators/index.js';
import { call, KEY, wait } from './helpers.js';

const sims: (SecodaSim | OrgSim)[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
const secoda = async (o: Partial<Parameters<typeof startSecodaSim>[0]> = {}) => {
  const s = await startSecodaSim({ apiKey: KEY, ...o });
  sims.push(s);
  return s;
};
const LIST = '/api/v1/user/';
const post = (email: string) => ({ method: 'POST', body: { email, role: 'viewer' } });

describe('rate limits', () => {
  it('defaults to 30 writes per minute, reads unlimited', async () => {
    const s = await secoda();
    const res = await Promise.all(Array.from({ length: 31 }, (_, i) => call(s.url, LIST, post(`u${i}@example.com`))));
    expect(res.filter((r) => r.status === 201)).toHaveLength(30);
    const limited = res.filter((r) => r.status === 429);
    expect(limited).toHaveLength(1);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(s.users()).toHaveLength(30); // the 429 did not create
    for (let i = 0; i < 40; i++) expect((await call(s.url, LIST)).status).toBe(200);
    expect(s.stats()).toMatchObject({ throttled: 1, byMethod: { POST: 31, GET: 40 }, requests: 71 });
    expect(s.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it('is a sliding window over request starts', async () => {
    const s = await secoda({ writeLimit: { limit: 3, windowMs: 200 } });
    expect((await call(s.url, LIST, post('a@x.io'))).status).toBe(201);
    expect((await call(s.url, LIST, post('b@x.io'))).status).toBe(201);
    await wait(100);
    expect((await call(s.url, LIST, post('c@x.io'))).status).toBe(201);
    const over = await call(s.url, LIST, post('d@x.io'));
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('1'); // ceil of < 1 s
    // the first two slots free 200 ms after their arrival; the third ~100 ms later
    await wait(Math.max(0, s.requests[1].at + 205 - Date.now()));
    expect((await call(s.url, LIST, post('d@x.io'))).status).toBe(201);
    expect((await call(s.url, LIST, post('e@x.io'))).status).toBe(201);
    expect((await call(s.url, LIST, post('f@x.io'))).status).toBe(429);
    // deletes and patches count as writes too
    const id = s.byEmail('a@x.io')!.id;
    expect((await call(s.url, `/api/v1/user/${id}`, { method: 'DELETE' })).status).toBe(429);
    expect(s.byEmail('a@x.io')).toBeDefined();
  });

  it('Retry-After as an HTTP date, or absent', async () => {
    const d = await secoda({ writeLimit: { limit: 1, windowMs: 3000 }, retryAfterMode: 'date' });
    await call(d.url, LIST, post('a@x.io'));
    const r = await call(d.url, LIST, post('b@x.io'));
    expect(r.status).toBe(429);
    const when = Date.parse(r.headers.get('retry-after') ?? '');
    expect(when).toBeGreaterThan(Date.now() + 1000);
    expect(when).toBeLessThanOrEqual(Date.now() + 4000);

    const n = await secoda({ writeLimit: { limit: 1, windowMs: 3000 }, retryAfterMode: 'none' });
    await call(n.url, LIST, post('a@x.io'));
    const r2 = await call(n.url, LIST, post('b@x.io'));
    expect(r2.status).toBe(429);
    expect(r2.headers.get('retry-after')).toBeNull();
  });

  it('limits reads when readLimit is set, and on the org API', async () => {
    const s = await secoda({ readLimit: { limit: 2, windowMs: 200 } });
    expect((await call(s.url, LIST)).status).toBe(200);
    expect((await call(s.url, LIST)).status).toBe(200);
    expect((await call(s.url, LIST)).status).toBe(429);
    s.resetRateLimits();
    expect((await call(s.url, LIST)).status).toBe(200);

    const org = await startOrgSim({ token: KEY, rate: { limit: 2, windowMs: 200 } });
    sims.push(org);
    expect((await call(org.url, '/organization/users')).status).toBe(200);
    expect((await call(org.url, '/organization')).status).toBe(200);
    const r = await call(org.url, '/organization/users');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    await wait(210);
    expect((await call(org.url, '/organization/users')).status).toBe(200);
  });

  it('a rate-limited request does not consume a lose-response fault', async () => {
    const s = await secoda({ writeLimit: { limit: 1, windowMs: 150 } });
    await call(s.url, LIST, post('a@x.io'));
    s.fault({ kind: 'lose-response', method: 'POST' });
    expect((await call(s.url, LIST, post('b@x.io'))).status).toBe(429);
    expect(s.pendingFaults()).toBe(1);
    await wait(160);
    await expect(call(s.url, LIST, post('b@x.io'))).rejects.toThrow();
    expect(s.byEmail('b@x.io')).toBeDefined();
  });
});

describe('latency', () => {
  it('delays every answer by latencyMs', async () => {
    const s = await secoda({ latencyMs: 120 });
    let t = Date.now();
    expect((await call(s.url, LIST)).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    t = Date.now();
    expect((await call(s.url, LIST, { token: 'bad' })).status).toBe(401);
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    s.setLatency(0);
    t = Date.now();
    await call(s.url, LIST);
    expect(Date.now() - t).toBeLessThan(100);
    // concurrent requests are delayed in parallel, not queued
    t = Date.now();
    s.setLatency(100);
    await Promise.all([1, 2, 3, 4, 5].map(() => call(s.url, LIST)));
    expect(Date.now() - t).toBeLessThan(400);
  });
});
