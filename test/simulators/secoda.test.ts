import { afterEach, describe, expect, it } from 'vitest';
import { startSecodaSim, type SecodaSim } from '../../tools/simulators/index.js';
import { call, KEY } from './helpers.js';

let sim: SecodaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const people = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    first_name: `F${i + from}`,
    last_name: `L${i + from}`,
    email: `user${i + from}@example.com`,
    role: 'editor',
  }));

describe('secoda simulator: listing', () => {
  it('paginates with the documented quirks', async () => {
    sim = await startSecodaSim({ apiKey: KEY, writeLimit: null });
    sim.seed(people(120));
    const p1 = await call(sim.url, '/api/v1/user/');
    expect(p1.status).toBe(200);
    expect(p1.json.count).toBe(120);
    expect(p1.json.total_pages).toBe(3);
    expect(p1.json.results).toHaveLength(50);
    expect(p1.json.meta).toEqual({ page: 1, previous_page: 'None', next_page: 2 });
    expect(p1.json.links).toEqual({ next: `${sim.origin}/resource/all/?page=2`, previous: 'None' });
    const u0 = p1.json.results[0];
    expect(u0.pending).toBe('False');
    expect(u0.last_login).toBe('None');
    expect(u0.is_service_account).toBe(false);
    expect(p1.json.results.map((u: any) => u.role).slice(0, 6)).toEqual([
      'editor', 'editor', 'Editor', 'editor', 'editor', 'Editor',
    ]);

    const p3 = await call(sim.url, '/api/v1/user?page=3'); // no trailing slash
    expect(p3.json.results).toHaveLength(20);
    expect(p3.json.results[19].email).toBe('user119@example.com');
    expect(p3.json.meta).toEqual({ page: 3, previous_page: 2, next_page: 'None' });
    expect(p3.json.links.next).toBe('None');

    const past = await call(sim.url, '/api/v1/user/?page=9');
    expect(past.status).toBe(200);
    expect(past.json.results).toEqual([]);
    expect(past.json.meta.next_page).toBe('None');

    expect((await call(sim.url, '/api/v1/user/?page=0')).status).toBe(400);
    expect((await call(sim.url, '/api/v1/user/?page=abc')).status).toBe(400);
  });

  it('serves real JSON and a correct links.next with quirks off', async () => {
    sim = await startSecodaSim({ apiKey: KEY, quirks: false, pageSize: 7 });
    sim.seed(people(20));
    const seen: string[] = [];
    let next: string | null = `${sim.url}/api/v1/user/`;
    while (next) {
      const r = await call(next, '');
      for (const u of r.json.results) {
        expect(u.pending).toBe(false);
        expect(u.last_login).toBeNull();
        expect(u.role).toBe('editor');
        seen.push(u.email);
      }
      next = r.json.links.next;
      if (r.json.meta.page === 1) expect(r.json.meta.previous_page).toBeNull();
    }
    expect(seen).toEqual(people(20).map((p) => p.email));
  });

  // How fast it seeds and pages is the benchmark's business (npm run bench), not a timed unit test's.
  it('serves 100k users to the last page and lets a hook mutate between pages', async () => {
    sim = await startSecodaSim({ apiKey: KEY });
    sim.seed(people(100_000));
    const last = await call(sim.url, '/api/v1/user/?page=2000');
    expect(last.json.results.at(-1).email).toBe('user99999@example.com');
    expect(last.json.meta.next_page).toBe('None');

    sim.clear();
    sim.seed(people(4));
    sim.onPage((page) => {
      if (page === 2) sim!.remove('user0@example.com'); // drift: page 2 shifts
    });
    const a = await call(sim.url, '/api/v1/user/?page=1');
    expect(a.json.results.map((u: any) => u.email)).toHaveLength(4);
    expect(sim.users()).toHaveLength(4);
    await call(sim.url, '/api/v1/user/?page=2');
    expect(sim.users()).toHaveLength(3);
  });
});

describe('secoda simulator: users', () => {
  it('creates, reads, updates and deletes', async () => {
    sim = await startSecodaSim({ apiKey: KEY, writeLimit: null });
    const c = await call(sim.url, '/api/v1/user/', {
      method: 'POST',
      body: { first_name: 'Ada', last_name: 'L', email: 'Ada@Example.com', role: 'Editor' },
    });
    expect(c.status).toBe(201);
    expect(c.json.pending).toBe('True');
    expect(c.json.role).toBe('editor');
    expect(sim.byEmail('ada@example.com')?.pending).toBe(true);
    const id = c.json.id as string;

    expect((await call(sim.url, `/api/v1/user/${id}`)).json.email).toBe('Ada@Example.com');
    expect((await call(sim.url, '/api/v1/user/nope')).status).toBe(404);

    const p = await call(sim.url, `/api/v1/user/${id}/`, { method: 'PATCH', body: { role: 'ADMIN' } });
    expect(p.status).toBe(200);
    expect(p.json.role).toBe('admin');
    expect((await call(sim.url, `/api/v1/user/${id}`, { method: 'PATCH', body: { role: 'owner' } })).status).toBe(400);
    expect((await call(sim.url, '/api/v1/user/nope', { method: 'PATCH', body: { role: 'viewer' } })).status).toBe(404);

    const d = await call(sim.url, `/api/v1/user/${id}`, { method: 'DELETE' });
    expect(d.status).toBe(204);
    expect(d.text).toBe('');
    expect((await call(sim.url, `/api/v1/user/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect(sim.users()).toHaveLength(0);
  });

  it('validates creates', async () => {
    sim = await startSecodaSim({ apiKey: KEY, writeLimit: null });
    sim.seed([{ email: 'dup@example.com', role: 'viewer' }]);
    const dup = await call(sim.url, '/api/v1/user/', { method: 'POST', body: { email: ' DUP@example.com', role: 'viewer' } });
    expect(dup.status).toBe(400);
    expect(dup.json).toEqual({ email: ['user with this email already exists.'] });

    const guest = await call(sim.url, '/api/v1/user/', { method: 'POST', body: { email: 'g@example.com', role: 'guest' } });
    expect(guest.status).toBe(400);
    expect(guest.json.teams).toBeDefined();
    const guestOk = await call(sim.url, '/api/v1/user/', {
      method: 'POST',
      body: { email: 'g@example.com', role: 'Guest', teams: ['t1'] },
    });
    expect(guestOk.status).toBe(201);

    expect((await call(sim.url, '/api/v1/user/', { method: 'POST', body: { role: 'viewer' } })).status).toBe(400);
    expect((await call(sim.url, '/api/v1/user/', { method: 'POST', body: { email: 'x@example.com', role: 'boss' } })).status).toBe(400);
    const bad = await call(sim.url, '/api/v1/user/', { method: 'POST', raw: '{"email": ' });
    expect(bad.status).toBe(400);
    expect((await call(sim.url, '/api/v2/whatever')).status).toBe(404);
    // Checked against the OpenAPI: a documented path, an undocumented method.
    expect((await call(sim.url, '/api/v1/user/', { method: 'PUT', body: {} })).status).toBe(405);
  });
});

describe('secoda simulator: auth and log', () => {
  it('answers 401 without the right key and never echoes it', async () => {
    sim = await startSecodaSim({ apiKey: KEY });
    const none = await fetch(`${sim.url}/api/v1/user/`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const wrong = await call(sim.url, '/api/v1/user/', { token: 'not-it' });
    expect(wrong.status).toBe(401);
    const ok = await call(sim.url, '/api/v1/user/?page=1');
    expect(ok.text).not.toContain(KEY);
    expect(sim.requests.map((r) => [r.status, r.auth])).toEqual([
      [401, false],
      [401, false],
      [200, true],
    ]);
    expect(sim.requests[2]).toMatchObject({ method: 'GET', path: '/api/v1/user/', query: { page: '1' } });
    expect(typeof sim.requests[2].at).toBe('number');
    const log = sim.requests;
    sim.resetLog();
    expect(log).toHaveLength(0);
    expect(sim.stats()).toEqual({ requests: 0, byMethod: {}, throttled: 0 });
  });

  it('answers 403 for everything with forbid', async () => {
    sim = await startSecodaSim({ apiKey: KEY, forbid: true });
    expect((await call(sim.url, '/api/v1/user/')).status).toBe(403);
    expect((await call(sim.url, '/api/v1/user/', { method: 'POST', body: { email: 'a@b.c' } })).status).toBe(403);
    expect(sim.users()).toHaveLength(0);
  });
});
