import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { startOrgSim, type OrgSim } from '../../tools/simulators/index.js';
import { AuthError, BadResponseError, ConflictError } from '../../src/http/errors.js';
import { type HttpClientOptions } from '../../src/http/client.js';
import { createOrgAdapter } from '../../src/adapters/org.js';
import { ORG_PATHS } from '../../src/adapters/org-paths.js';
import { fastClient } from '../helpers/http-client.js';
import { json, startServer, type TestServer } from '../http/server.js';

const TOKEN = 'org-token-abcdef123';
const sims: (OrgSim | TestServer)[] = [];

async function sim(opts: Partial<Parameters<typeof startOrgSim>[0]> = {}): Promise<OrgSim> {
  const s = await startOrgSim({ token: TOKEN, prefix: '/v1', ...opts });
  sims.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

function orgClient(baseUrl: string, over: Partial<HttpClientOptions> = {}) {
  return fastClient('org', baseUrl, TOKEN, over);
}

function users(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({
    email: `user${from + i}@example.com`,
    name: `User ${from + i}`,
    roles: ['analyst'],
  }));
}

describe('org adapter: listUsers', () => {
  it('pages through every user under the /v1 prefix and reports progress', async () => {
    const s = await sim();
    s.seed(users(250));
    const pages: unknown[] = [];
    for (const base of [s.url, `${s.url}/`]) {
      pages.length = 0;
      s.resetLog();
      const pull = await createOrgAdapter(orgClient(base)).listUsers((p) => pages.push(p));
      expect(pull.users).toHaveLength(250);
      expect(pull.users[0]).toEqual({ id: expect.any(String), email: 'user0@example.com', name: 'User 0', roles: ['analyst'] });
      expect(pull).toMatchObject({ reportedCount: 250, pages: 3, invalid: [] });
      expect(pages).toEqual([
        { page: 1, fetched: 100, count: 250 },
        { page: 2, fetched: 200, count: 250 },
        { page: 3, fetched: 250, count: 250 },
      ]);
      expect(s.requests.map((r) => [r.path, r.query])).toEqual([1, 2, 3].map((n) => [
        '/v1/organization/users',
        { page_number: String(n), page_size: '100' },
      ]));
    }
  });

  it('reads on past a full last page until a short one: `count` never ends the pull (one extra empty page)', async () => {
    // Before issue 7 the pull stopped at page_number * page_size >= count: 3 requests.
    // That trusts `count` to be the total; an API whose `count` is per page lost every later page.
    const s = await sim();
    s.seed(users(60));
    const pull = await createOrgAdapter(orgClient(s.url), { pageSize: 20 }).listUsers();
    expect(pull.users).toHaveLength(60);
    expect(s.requests.map((r) => r.query.page_number)).toEqual(['1', '2', '3', '4']);
  });

  it('stops on a short page even when count claims more', async () => {
    const s = await sim();
    s.seed(users(30));
    s.setCountOverride(500);
    const pull = await createOrgAdapter(orgClient(s.url), { pageSize: 20 }).listUsers();
    expect(pull).toMatchObject({ reportedCount: 500, pages: 2 });
    expect(pull.users).toHaveLength(30);
  });

  it('collects invalid records with page, index and a short problem; keeps valid ones (ids coerced)', async () => {
    const s = await sim();
    s.seed(users(3));
    s.seedRaw([
      { id: 42, email: 'num@example.com', roles: [] }, // valid: id coerced, name missing -> ''
      { id: 'a', name: 'No Email', roles: ['admin'] },
      { id: 'b', email: 'secret-person-without-at', name: 'X', roles: ['admin'] },
      { id: 'c', email: 'roles@example.com', name: 'Y', roles: 'admin' },
      'not an object',
      { id: 'd', email: '', roles: [] },
    ]);
    const pull = await createOrgAdapter(orgClient(s.url), { pageSize: 5 }).listUsers();
    expect(pull.users.map((u) => u.email)).toEqual([
      'user0@example.com',
      'user1@example.com',
      'user2@example.com',
      'num@example.com',
    ]);
    expect(pull.users[3]).toEqual({ id: '42', email: 'num@example.com', name: '', roles: [] });
    expect(pull.invalid.map((i) => [i.page, i.index])).toEqual([
      [1, 4],
      [2, 0],
      [2, 1],
      [2, 2],
      [2, 3],
    ]);
    expect(pull.invalid[0].problem).toMatch(/^email: /);
    expect(pull.invalid[1].problem).toBe('email: not an email address');
    expect(pull.invalid[2].problem).toMatch(/^roles: /);
    expect(pull.invalid[3].problem).toMatch(/^record: /);
    expect(pull.invalid[4].problem).toBe('email: empty');
    // Never the record itself.
    expect(JSON.stringify(pull.invalid)).not.toContain('secret-person-without-at');
    expect(JSON.stringify(pull.invalid)).not.toContain('No Email');
  });

  it('aborts with BadResponseError naming the page when an envelope is malformed', async () => {
    const s = await sim();
    s.seed(users(5));
    s.onPage((n) => {
      if (n === 1) s.fault({ kind: 'body', method: 'GET', path: '/organization/users', body: '{"count": 5, "items": "nope"}' });
    });
    const err = await createOrgAdapter(orgClient(s.url), { pageSize: 2 })
      .listUsers()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect(err).toMatchObject({ code: 'E_BAD_RESPONSE', api: 'org', method: 'GET' });
    expect((err as Error).message).toContain('page 2');
    expect((err as Error).message).toContain('page_number=2');
  });

  it('aborts on a non-JSON page (HTML from a proxy)', async () => {
    const s = await sim();
    s.seed(users(5));
    s.fault({ kind: 'html', path: '/organization/users' });
    await expect(createOrgAdapter(orgClient(s.url)).listUsers()).rejects.toBeInstanceOf(BadResponseError);
  });

  it('aborts when count is negative or missing', async () => {
    const s = await sim();
    s.fault({ kind: 'body', path: '/organization/users', body: '{"count": -1, "items": []}' });
    const err = await createOrgAdapter(orgClient(s.url)).listUsers().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/malformed user list on page 1/);
    s.fault({ kind: 'body', path: '/organization/users', body: '{"items": []}' });
    await expect(createOrgAdapter(orgClient(s.url)).listUsers()).rejects.toBeInstanceOf(BadResponseError);
  });

  it('has a hard page cap against a server whose pages never end (new users on every page)', async () => {
    const srv = await startServer((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page_number'));
      json(res, 200, { count: page * 2 + 1, items: [{ email: `a${page}@x.io`, roles: [] }, { email: `b${page}@x.io`, roles: [] }] });
    });
    sims.push(srv);
    const err = await createOrgAdapter(orgClient(srv.url), { pageSize: 2, maxPages: 25 }).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toMatch(/full user list pages without end \(still full at page 25/);
    expect(srv.seen.length).toBe(25);
  });

  it('stops a server that ignores page_number (the same full page again and again) after two pages with nobody new', async () => {
    const srv = await startServer((_req, res) => {
      json(res, 200, { count: 2, items: [{ id: 'a', email: 'a@x.io', roles: [] }, { id: 'b', email: 'b@x.io', roles: [] }] });
    });
    sims.push(srv);
    const err = await createOrgAdapter(orgClient(srv.url), { pageSize: 2 }).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toMatch(/pages 2 and 3 added nobody new; does it ignore page_number\?/);
    // Its `count` (2) is no total, so pages are fetched at most 4 (the client's limit) ahead of the check.
    expect(srv.seen.length).toBeGreaterThanOrEqual(3);
    expect(srv.seen.length).toBeLessThanOrEqual(3 + 4);
  });

  it('retries transient failures while paging', async () => {
    const s = await sim();
    s.seed(users(10));
    s.fault({ kind: 'status', status: 503, path: '/organization/users' });
    s.fault({ kind: 'reset', path: '/organization/users' });
    const pull = await createOrgAdapter(orgClient(s.url)).listUsers();
    expect(pull.users).toHaveLength(10);
  });

  it('a wrong token -> AuthError naming the org API and ORG_API_TOKEN, token not in the error', async () => {
    const s = await sim();
    const err = await createOrgAdapter(orgClient(s.url, { token: 'wrong-token-xyz' })).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toBe(
      `org API refused GET ${s.url}/organization/users?page_number=1&page_size=100: 401 Unauthorized — check ORG_API_TOKEN`,
    );
    expect(inspect(err) + JSON.stringify(err)).not.toContain('wrong-token-xyz');
  });

  it('rejects an out-of-range page size', () => {
    expect(() => createOrgAdapter(orgClient('http://127.0.0.1:1'), { pageSize: 101 })).toThrow(RangeError);
    expect(() => createOrgAdapter(orgClient('http://127.0.0.1:1'), { pageSize: 0 })).toThrow(RangeError);
  });
});

describe('org adapter: paths', () => {
  it('keeps every org path in one place', () => {
    expect(ORG_PATHS.user('a/b')).toBe('organization/users/a%2Fb');
    expect(() => ORG_PATHS.user('..')).toThrow(TypeError);
  });
});
