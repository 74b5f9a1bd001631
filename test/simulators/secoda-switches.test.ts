/**
 * The Secoda simulator's switches for what the docs allow (issue 7): roles
 * outside admin/editor/viewer/guest, accounts without an email, case-duplicate
 * accounts, short list reads, and the two readings of `count`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSecodaSim, type SecodaSim } from '../../tools/simulators/index.js';
import { call, KEY } from './helpers.js';

let sim: SecodaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const people = (n: number) => Array.from({ length: n }, (_, i) => ({ email: `user${i}@example.com`, role: 'viewer' }));

describe('secoda simulator: seeded records are served as given', () => {
  it('any role value: unknown, "None", null, missing, "owner" (only known roles are lower-cased or capitalised)', async () => {
    sim = await startSecodaSim({ apiKey: KEY, quirks: false });
    sim.seed([
      { id: 'a', email: 'a@example.com', role: 'Owner' },
      { id: 'b', email: 'b@example.com', role: 'None' },
      { id: 'c', email: 'c@example.com', role: null },
      { id: 'd', email: 'd@example.com', omit: ['role'] },
      { id: 'e', email: 'e@example.com', role: 'Data Steward' },
      { id: 'f', email: 'f@example.com', role: 'EDITOR' },
    ]);
    const got = (await call(sim.url, '/api/v1/user/')).json.results;
    expect(got.map((u: any) => [u.id, 'role' in u, u.role])).toEqual([
      ['a', true, 'Owner'],
      ['b', true, 'None'],
      ['c', true, null],
      ['d', false, undefined],
      ['e', true, 'Data Steward'],
      ['f', true, 'editor'],
    ]);
    sim.setQuirks(true);
    const quirky = (await call(sim.url, '/api/v1/user/')).json.results;
    // null -> "None"; the every-third capitalisation touches documented roles only.
    expect(quirky.map((u: any) => u.role)).toEqual(['Owner', 'None', 'None', undefined, 'Data Steward', 'Editor']);
  });

  it('records without an email: null ("None" with quirks) or no key at all', async () => {
    sim = await startSecodaSim({ apiKey: KEY, quirks: true });
    sim.seed([
      { id: 'svc-1', email: null, is_service_account: true },
      { id: 'svc-2', omit: ['email'] },
    ]);
    const got = (await call(sim.url, '/api/v1/user/')).json.results;
    expect(got[0]).toMatchObject({ id: 'svc-1', email: 'None', is_service_account: true });
    expect(got[1].id).toBe('svc-2');
    expect('email' in got[1]).toBe(false);
  });

  it('case-duplicate accounts: both listed; creating a third variant is refused, also after one is deleted', async () => {
    sim = await startSecodaSim({ apiKey: KEY, writeLimit: null, quirks: false });
    sim.seed([
      { id: 'u-1', email: 'Pat@Example.com', role: 'admin' },
      { id: 'u-2', email: 'pat@example.com', role: 'viewer' },
    ]);
    const got = (await call(sim.url, '/api/v1/user/')).json.results;
    expect(got.map((u: any) => [u.id, u.email])).toEqual([['u-1', 'Pat@Example.com'], ['u-2', 'pat@example.com']]);
    const dup = () => call(sim!.url, '/api/v1/user/', { method: 'POST', body: { email: 'PAT@example.com', role: 'viewer' } });
    expect((await dup()).status).toBe(400);
    expect((await call(sim.url, '/api/v1/user/u-1/', { method: 'DELETE' })).status).toBe(204);
    // The other account still holds the email.
    expect((await dup()).json).toEqual({ email: ['user with this email already exists.'] });
    expect(sim.byEmail('pat@example.com')?.id).toBe('u-2');
  });
});

describe('secoda simulator: short reads and `count`', () => {
  it('shortReads { times: 1 }: the first read claims one user more than it serves, the next is whole', async () => {
    sim = await startSecodaSim({ apiKey: KEY, pageSize: 50, shortReads: { times: 1 } });
    sim.seed(people(120));
    const read = async () => {
      const pages = [];
      for (let p = 1; ; p++) {
        const r = (await call(sim!.url, `/api/v1/user/?page=${p}`)).json;
        pages.push(r);
        if (r.meta.next_page === 'None') return pages;
      }
    };
    const first = await read();
    expect(first.map((p) => [p.count, p.total_pages, p.results.length])).toEqual([[120, 3, 50], [120, 3, 50], [120, 3, 19]]);
    const second = await read();
    expect(second.map((p) => p.results.length)).toEqual([50, 50, 20]);
  });

  it("shortReads 'always' with `missing` hides that many users on every read; setShortReads(null) ends it", async () => {
    sim = await startSecodaSim({ apiKey: KEY, pageSize: 50, shortReads: { times: 'always', missing: 21 } });
    sim.seed(people(120));
    for (let i = 0; i < 2; i++) {
      const p1 = (await call(sim.url, '/api/v1/user/?page=1')).json;
      const p2 = (await call(sim.url, '/api/v1/user/?page=2')).json;
      expect([p1.count, p1.total_pages, p2.results.length, p2.results.at(-1).email, p2.meta.next_page]).toEqual([
        120, 3, 49, 'user98@example.com', 'None',
      ]);
    }
    sim.setShortReads(null);
    expect((await call(sim.url, '/api/v1/user/?page=2')).json.meta.next_page).toBe(3);
    expect(() => sim!.setShortReads({ times: 1, missing: 0 })).toThrow(/missing/);
  });

  it("countMeans 'page': `count` is the page's item count; total_pages stays the whole list's", async () => {
    sim = await startSecodaSim({ apiKey: KEY, pageSize: 50, countMeans: 'page' });
    sim.seed(people(120));
    const counts = [];
    for (const p of [1, 2, 3]) {
      const r = (await call(sim.url, `/api/v1/user/?page=${p}`)).json;
      counts.push([r.count, r.total_pages]);
    }
    expect(counts).toEqual([[50, 3], [50, 3], [20, 3]]);
  });
});
