/**
 * Pages read concurrently once page 1 says how many there are (issue 9,
 * item 1), on real HTTP: answers arriving out of order still give the
 * users in page order, a short page still ends the read (pages fetched past
 * it are dropped, even when they failed), and a page that fails before the
 * end fails the read.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startOrgSim, startSecodaSim, type OrgSim, type SecodaSim } from '../../tools/simulators/index.js';
import { HttpStatusError } from '../../src/http/errors.js';
import { createOrgAdapter, type OrgPageProgress } from '../../src/adapters/org.js';
import { createSecodaAdapter } from '../../src/adapters/secoda.js';
import { fastClient } from '../helpers/http-client.js';
import { json, startServer, type TestServer } from '../http/server.js';

const TOKEN = 'org-token-concurrent-1';
const KEY = 'secoda-key-concurrent-1';
const open: (OrgSim | SecodaSim | TestServer)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** The most requests the simulator was answering at once. */
function peakOverlap(requests: readonly { at: number; doneAt?: number }[]): number {
  const edges = requests.flatMap((r) => [[r.at, 1], [r.doneAt ?? r.at, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (now += d));
  return peak;
}

describe('org list: pages after the first are read concurrently', () => {
  it('answers out of order still give every user in page order, progress page by page, within the client limit', async () => {
    const s = await startOrgSim({ token: TOKEN });
    open.push(s);
    const seeded = s.seed(Array.from({ length: 950 }, (_, i) => ({ email: `u${i}@acme.com`, roles: ['analyst'] })));
    // Page 2 answers last of all.
    s.onPage((n) => delay(n === 2 ? 150 : 20));
    const progress: OrgPageProgress[] = [];
    const pull = await createOrgAdapter(fastClient('org', s.url, TOKEN), { concurrency: 4 }).listUsers((p) => progress.push(p));

    expect(pull.users.map((u) => u.email)).toEqual(seeded.map((u) => u.email));
    expect(pull.pages).toBe(10);
    expect(progress.map((p) => p.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(progress.at(-1)).toMatchObject({ fetched: 950, count: 950 });
    const lists = s.requests.filter((r) => r.path === '/v1/organization/users');
    expect(lists).toHaveLength(10);
    expect(peakOverlap(lists)).toBeGreaterThan(1);
    expect(peakOverlap(lists)).toBeLessThanOrEqual(4);
  });

  it('a short page ends the read where it is: full pages fetched past it are not used', async () => {
    // `count` claims 5 pages of 2; page 3 is short (users left), pages 4 and 5 are full again.
    const srv = await startServer((req, res) => {
      const p = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page_number'));
      const items = p === 3 ? [{ id: 'c', email: 'c@x.io', roles: [] }] : [{ id: `${p}a`, email: `${p}a@x.io`, roles: [] }, { id: `${p}b`, email: `${p}b@x.io`, roles: [] }];
      json(res, 200, { count: 10, items });
    });
    open.push(srv);
    const pull = await createOrgAdapter(fastClient('org', srv.url, TOKEN), { pageSize: 2 }).listUsers();
    expect(pull.pages).toBe(3);
    expect(pull.users.map((u) => u.id)).toEqual(['1a', '1b', '2a', '2b', 'c']);
  });

  it('a page fetched ahead past the end that fails does not fail the read; one before the end does', async () => {
    // `count` is the page's own (2): no plan, pages read a few ahead. Page 3 is short; 4 and later answer 404.
    const handler = (failOn: number) => (req: Parameters<Parameters<typeof startServer>[0]>[0], res: Parameters<Parameters<typeof startServer>[0]>[1]) => {
      const p = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page_number'));
      if (p >= failOn) return json(res, 404, { detail: 'no such page' });
      const items = p === 3 ? [{ id: 'last', email: 'last@x.io', roles: [] }] : [{ id: `${p}a`, email: `${p}a@x.io`, roles: [] }, { id: `${p}b`, email: `${p}b@x.io`, roles: [] }];
      return json(res, 200, { count: items.length, items });
    };
    const past = await startServer(handler(4));
    open.push(past);
    const pull = await createOrgAdapter(fastClient('org', past.url, TOKEN), { pageSize: 2 }).listUsers();
    expect(pull.users.map((u) => u.id)).toEqual(['1a', '1b', '2a', '2b', 'last']);
    expect(past.seen.length).toBeGreaterThan(3); // it did read ahead

    const before = await startServer(handler(2));
    open.push(before);
    const err = await createOrgAdapter(fastClient('org', before.url, TOKEN), { pageSize: 2 }).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as Error).message).toContain('page_number=2');
  });
});

describe('Secoda list: pages announced by total_pages are read concurrently', () => {
  it('answers out of order still give every user in page order, and the read is complete', async () => {
    const s = await startSecodaSim({ apiKey: KEY, writeLimit: null, pageSize: 10 });
    open.push(s);
    s.seed(Array.from({ length: 95 }, (_, i) => ({ id: `s-${String(i).padStart(3, '0')}`, email: `p${i}@example.com`, role: 'viewer' })));
    s.onPage((n) => delay(n === 2 ? 150 : 20));
    const pages: number[] = [];
    const users = await createSecodaAdapter(fastClient('secoda', s.url, KEY), { concurrency: 4 }).listUsers((p) => pages.push(p.page));
    expect(users.map((u) => u.id)).toEqual(Array.from({ length: 95 }, (_, i) => `s-${String(i).padStart(3, '0')}`));
    expect(pages).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const gets = s.requests.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(10);
    expect(peakOverlap(gets)).toBeGreaterThan(1);
    expect(peakOverlap(gets)).toBeLessThanOrEqual(4);
  });

  it('a page pointing somewhere other than the next page is followed from there, one page at a time', async () => {
    // total_pages 4, but page 2 says the next is 4 (page 3 is skipped by the server): 1, 2, 4 is the list.
    const srv = await startServer((req, res) => {
      const p = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      const next = p === 1 ? 2 : p === 2 ? 4 : null;
      json(res, 200, { count: 3, total_pages: 3, meta: { page: p, next_page: next }, results: [{ id: `u${p}`, email: `u${p}@x.io`, role: 'viewer' }] });
    });
    open.push(srv);
    const users = await createSecodaAdapter(fastClient('secoda', srv.url, KEY)).listUsers();
    expect(users.map((u) => u.id)).toEqual(['u1', 'u2', 'u4']);
  });
});
