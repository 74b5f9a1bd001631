import { afterEach, describe, expect, it } from 'vitest';
import { startOrgSim, type OrgSim } from '../../tools/simulators/index.js';
import { call, KEY } from './helpers.js';

let sim: OrgSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const people = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ email: `u${i}@org.example`, name: `User ${i}`, roles: ['developer'] }));

describe('org simulator', () => {
  it('serves the prefix, organization and me', async () => {
    sim = await startOrgSim({ token: KEY });
    expect(sim.url).toBe(`${sim.origin}/v1`);
    expect((await call(sim.url, '/organization')).json).toMatchObject({ name: 'Example Org' });
    expect((await call(sim.url, '/users/me')).json).toMatchObject({ id: 'me', roles: ['admin'] });
    expect((await call(sim.origin, '/organization')).status).toBe(404); // outside the prefix
    const bare = await startOrgSim({ token: KEY, prefix: '' });
    expect((await call(bare.url, '/organization')).status).toBe(200);
    await bare.close();
  });

  it('paginates in insertion order, caps page_size at 100 and validates parameters', async () => {
    sim = await startOrgSim({ token: KEY });
    sim.seed(people(250));
    const p1 = await call(sim.url, '/organization/users?page_number=1');
    expect(p1.json.count).toBe(250);
    expect(p1.json.items).toHaveLength(100);
    expect(p1.json.items[0]).toEqual({ email: 'u0@org.example', id: expect.any(String), name: 'User 0', roles: ['developer'] });
    const big = await call(sim.url, '/organization/users?page_number=3&page_size=500');
    expect(big.json.items).toHaveLength(50);
    expect(big.json.items[49].email).toBe('u249@org.example');
    const small = await call(sim.url, '/organization/users?page_number=2&page_size=7');
    expect(small.json.items.map((u: any) => u.email)).toEqual(people(14).slice(7).map((p) => p.email));
    const zero = await call(sim.url, '/organization/users?page_size=0');
    expect(zero.json).toEqual({ count: 250, items: [] });
    expect((await call(sim.url, '/organization/users?page_number=4')).json.items).toEqual([]);
    expect((await call(sim.url, '/organization/users?page_number=0')).status).toBe(400);
    expect((await call(sim.url, '/organization/users?page_size=-1')).status).toBe(400);
    sim.seed([{ email: 'zed@org.example', name: 'Zed Zebra', roles: [] }]);
    const search = await call(sim.url, '/organization/users?name_search=ZEBRA');
    expect(search.json).toEqual({ count: 1, items: [expect.objectContaining({ name: 'Zed Zebra' })] });
    expect((await call(sim.url, '/organization/users?name_search=u1')).status).toBe(400);
  });

  it('lets tests lie about count, serve invalid records and mutate between pages', async () => {
    sim = await startOrgSim({ token: KEY });
    sim.seed(people(3));
    sim.seedRaw([{ id: 'x1', name: 'No Email', roles: [] }, { id: 'x2', email: 'r@org.example', roles: 'admin' }]);
    sim.setCountOverride(10);
    const r = await call(sim.url, '/organization/users?page_size=100');
    expect(r.json.count).toBe(10);
    expect(r.json.items[3]).toEqual({ id: 'x1', name: 'No Email', roles: [] });
    expect(r.json.items[4].roles).toBe('admin');
    sim.setCountOverride(null);

    const seen: number[] = [];
    sim.onPage((n) => {
      seen.push(n);
      if (n === 2) sim!.seed([{ email: 'late@org.example' }]);
    });
    await call(sim.url, '/organization/users?page_number=1&page_size=2');
    const p2 = await call(sim.url, '/organization/users?page_number=2&page_size=2');
    expect(seen).toEqual([1, 2]);
    expect(p2.json.count).toBe(6);
  });

  it('serves list items with, without or partly without roles; GET by id always carries them', async () => {
    sim = await startOrgSim({ token: KEY, listRoles: 'omitted' });
    const seeded = sim.seed(people(4));
    const omitted = await call(sim.url, '/organization/users');
    expect(omitted.json.items).toEqual(seeded.map(({ roles: _r, ...rest }) => rest));
    expect(omitted.json.items.every((u: object) => !('roles' in u))).toBe(true);
    for (const u of seeded) expect((await call(sim.url, `/organization/users/${u.id}`)).json).toEqual(u);

    sim.setListRoles('mixed');
    // By position in the whole list, so page 2 of size 1 (position 1) has none and page 3 (position 2) has them.
    const mixed = await call(sim.url, '/organization/users');
    expect(mixed.json.items.map((u: object) => 'roles' in u)).toEqual([true, false, true, false]);
    expect((await call(sim.url, '/organization/users?page_number=2&page_size=1')).json.items[0]).not.toHaveProperty('roles');
    expect((await call(sim.url, '/organization/users?page_number=3&page_size=1')).json.items[0]).toHaveProperty('roles', ['developer']);

    sim.setListRoles('included');
    expect((await call(sim.url, '/organization/users')).json.items).toEqual(seeded);
    expect(sim.users()).toEqual(seeded); // the store keeps roles whatever the list shows
  });

  it('lets `count` be the total or the page\'s item count', async () => {
    sim = await startOrgSim({ token: KEY, countMeans: 'page' });
    sim.seed(people(250));
    const counts = async () => {
      const out: number[] = [];
      for (const n of [1, 2, 3, 4]) out.push((await call(sim!.url, `/organization/users?page_number=${n}&page_size=100`)).json.count);
      return out;
    };
    expect(await counts()).toEqual([100, 100, 50, 0]);
    sim.setCountMeans('total');
    expect(await counts()).toEqual([250, 250, 250, 250]);
    sim.setCountMeans('page');
    sim.setCountOverride(7); // an explicit lie wins over both readings
    expect(await counts()).toEqual([7, 7, 7, 7]);
    // Requests are still checked against the reference, whatever the reading.
    expect((await call(sim.url, '/organization/users?page_number=0')).status).toBe(400);
    expect((await call(sim.url, '/organization/users?page_size=x')).status).toBe(400);
  });

  it('gets, removes, sets roles, invites and resets passwords', async () => {
    sim = await startOrgSim({ token: KEY });
    const [a] = sim.seed([{ email: 'a@org.example', name: 'A', roles: ['analyst'] }]);
    expect((await call(sim.url, `/organization/users/${a.id}`)).json).toEqual(a);
    expect((await call(sim.url, '/organization/users/none')).status).toBe(404);

    const put = await call(sim.url, `/organization/users/${a.id}/roles`, { method: 'PUT', body: ['admin', 'developer'] });
    expect(put.status).toBe(204);
    expect(sim.byId(a.id)?.roles).toEqual(['admin', 'developer']);
    expect((await call(sim.url, `/organization/users/${a.id}/roles`, { method: 'PUT', body: ['root'] })).status).toBe(400);
    expect((await call(sim.url, `/organization/users/${a.id}/roles`, { method: 'PUT', body: { roles: [] } })).status).toBe(400);

    const inv = await call(sim.url, '/organization/users/invite', {
      method: 'POST',
      body: { connection: 'google-oauth2', email: 'b@org.example', name: 'B', roles: ['analyst'] },
    });
    expect(inv.status).toBe(201);
    expect(inv.json).toMatchObject({ email: 'b@org.example', name: 'B', roles: ['analyst'] });
    const dup = await call(sim.url, '/organization/users/invite', {
      method: 'POST',
      body: { connection: null, email: 'B@org.example', name: 'B', roles: [] },
    });
    expect(dup.status).toBe(409);
    const bad = await call(sim.url, '/organization/users/invite', {
      method: 'POST',
      body: { connection: null, email: 'c@org.example', name: 'C', roles: ['owner'] },
    });
    expect(bad.status).toBe(400);

    expect((await call(sim.url, `/organization/users/${a.id}/reset-password`, { method: 'POST' })).status).toBe(204);
    expect((await call(sim.url, '/organization/users/none/reset-password', { method: 'POST' })).status).toBe(404);
    expect((await call(sim.url, `/organization/users/${a.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(sim.url, `/organization/users/${a.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(sim.users().map((u) => u.email)).toEqual(['b@org.example']);
  });

  it('checks the token, forbids, and logs full paths', async () => {
    sim = await startOrgSim({ token: KEY });
    expect((await call(sim.url, '/organization', { token: 'bad' })).json).toEqual({
      detail: 'Authentication credentials were not provided.',
    });
    expect(sim.requests[0]).toMatchObject({ method: 'GET', path: '/v1/organization', status: 401, auth: false });
    const f = await startOrgSim({ token: KEY, forbid: true });
    expect((await call(f.url, '/organization/users')).status).toBe(403);
    await f.close();
  });
});
