import { afterEach, describe, expect, it } from 'vitest';
import { startSecodaSim, type SecodaSim } from '../../tools/simulators/index.js';
import { AuthError, BadResponseError, ConflictError, HttpStatusError } from '../../src/http/errors.js';
import { type HttpClientOptions } from '../../src/http/client.js';
import { createSecodaAdapter } from '../../src/adapters/secoda.js';
import { SECODA_PATHS } from '../../src/adapters/secoda-paths.js';
import { fastClient } from '../helpers/http-client.js';
import { json, maxInAnyWindow, startServer, type TestServer } from '../http/server.js';

const KEY = 'secoda-key-0123456789';
const open: (SecodaSim | TestServer)[] = [];

async function sim(opts: Partial<Parameters<typeof startSecodaSim>[0]> = {}): Promise<SecodaSim> {
  const s = await startSecodaSim({ apiKey: KEY, writeLimit: null, ...opts });
  open.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function secodaClient(baseUrl: string, over: Partial<HttpClientOptions> = {}) {
  return fastClient('secoda', baseUrl, KEY, over);
}

function seedUsers(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    email: `person${i}@example.com`,
    first_name: `First${i}`,
    last_name: `Last${i}`,
    role: ['admin', 'editor', 'viewer'][i % 3],
  }));
}

/** A page body served verbatim by a fault. */
function page(results: unknown[], next: unknown = 'None', extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    links: { next: 'None', previous: 'None' },
    meta: { page: 1, previous_page: 'None', next_page: next },
    count: results.length,
    total_pages: 1,
    results,
    ...extra,
  });
}

describe('secoda adapter: listUsers', () => {
  it('reads every page of the quirky API against OUR base URL', async () => {
    const s = await sim({ pageSize: 50, quirks: true });
    s.seed(seedUsers(120));
    s.seed([{ email: 'svc@example.com', first_name: null, last_name: null, is_service_account: true, disabled: true, pending: true }] as never);
    for (const base of [s.url, `${s.url}/`]) {
      s.resetLog();
      const progress: unknown[] = [];
      const list = await createSecodaAdapter(secodaClient(base)).listUsers((p) => progress.push(p));
      expect(list).toHaveLength(121);
      // Capitalised roles lower-cased, "False" -> false, "None" -> ''.
      expect(new Set(list.map((u) => u.role))).toEqual(new Set(['admin', 'editor', 'viewer']));
      expect(list[0]).toEqual({
        id: expect.any(String),
        first_name: 'First0',
        last_name: 'Last0',
        email: 'person0@example.com',
        role: 'admin',
        pending: false,
        is_service_account: false,
        disabled: false,
      });
      expect(list[120]).toMatchObject({ first_name: '', last_name: '', pending: true, is_service_account: true, disabled: true });
      // links.next points at /resource/all/ on the sim: we never go there.
      expect(s.requests.map((r) => `${r.path}?page=${r.query.page}`)).toEqual([
        '/api/v1/user/?page=1',
        '/api/v1/user/?page=2',
        '/api/v1/user/?page=3',
      ]);
      expect(progress).toEqual([
        { page: 1, fetched: 50, count: 121, totalPages: 3 },
        { page: 2, fetched: 100, count: 121, totalPages: 3 },
        { page: 3, fetched: 121, count: 121, totalPages: 3 },
      ]);
    }
  });

  it('works without quirks too (real booleans and nulls)', async () => {
    const s = await sim({ pageSize: 2, quirks: false });
    s.seed(seedUsers(3));
    const list = await createSecodaAdapter(secodaClient(s.url)).listUsers();
    expect(list.map((u) => u.email)).toEqual(['person0@example.com', 'person1@example.com', 'person2@example.com']);
  });

  it('follows links.next when meta is missing', async () => {
    const srv = await startServer((req, res) => {
      const p = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      json(res, 200, {
        links: { next: p < 3 ? `https://elsewhere.example/resource/all/?page=${p + 1}` : null },
        results: [{ id: `u${p}`, email: `u${p}@x.io`, role: 'Viewer', pending: 'TRUE' }],
      });
    });
    open.push(srv);
    const list = await createSecodaAdapter(secodaClient(srv.url)).listUsers();
    expect(list.map((u) => [u.id, u.role, u.pending])).toEqual([
      ['u1', 'viewer', true],
      ['u2', 'viewer', true],
      ['u3', 'viewer', true],
    ]);
    expect(srv.seen.map((r) => r.url)).toEqual(['/api/v1/user/?page=1', '/api/v1/user/?page=2', '/api/v1/user/?page=3']);
  });

  it('a page without a results array aborts the read', async () => {
    const s = await sim();
    s.fault({ kind: 'body', method: 'GET', path: '/api/v1/user', body: '{"count": 3, "data": []}' });
    const err = await createSecodaAdapter(secodaClient(s.url)).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toContain('page 1: no "results" array');
  });

  it('a record without an id aborts the read, naming page and record (one without an email does not: see secoda-read.test.ts)', async () => {
    const s = await sim({ pageSize: 2 });
    s.seed(seedUsers(4));
    s.onPage((n) => {
      if (n === 1) {
        s.fault({
          kind: 'body',
          path: '/api/v1/user',
          body: page([{ id: 'x', email: 'ok@x.io' }, { first_name: 'No', email: 'noid@x.io', role: 'viewer' }]),
        });
      }
    });
    const err = await createSecodaAdapter(secodaClient(s.url)).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toMatch(/malformed user on page 2, record 1: id: /);

    s.onPage(null);
    s.fault({ kind: 'body', path: '/api/v1/user', body: page([{ id: 'None', email: 'a@x.io' }]) });
    const err2 = await createSecodaAdapter(secodaClient(s.url)).listUsers().catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/page 1, record 0: id: /);
  });

  it('an unrecognised boolean aborts the read', async () => {
    const s = await sim();
    s.fault({ kind: 'body', path: '/api/v1/user', body: page([{ id: 'x', email: 'a@x.io', disabled: 'maybe' }]) });
    const err = await createSecodaAdapter(secodaClient(s.url)).listUsers().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/record 0: disabled: /);
  });

  it('a next page already visited (loop) aborts the read', async () => {
    const s = await sim({ pageSize: 2 });
    s.seed(seedUsers(4));
    s.onPage((n) => {
      if (n === 1) s.fault({ kind: 'body', path: '/api/v1/user', body: page([{ id: 'z', email: 'z@x.io' }], 1) });
    });
    const err = await createSecodaAdapter(secodaClient(s.url)).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toContain('page 2 points to page 1, which was already read');
  });

  it('a malformed next page number aborts the read', async () => {
    const s = await sim();
    s.fault({ kind: 'body', path: '/api/v1/user', body: page([], 'two') });
    await expect(createSecodaAdapter(secodaClient(s.url)).listUsers()).rejects.toThrow(/meta\.next_page is not a page number/);
  });

  it('a wrong key -> AuthError naming SECODA_API_KEY', async () => {
    const s = await sim();
    const err = await createSecodaAdapter(secodaClient(s.url, { token: 'nope-nope-nope' })).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toBe(`secoda API refused GET ${s.url}/api/v1/user/?page=1: 401 Unauthorized — check SECODA_API_KEY`);
  });
});

describe('secoda adapter: getUser (confirming a write planned from the snapshot)', () => {
  it("reads one user's live record, quirks and all (the published sample's \"False\" / \"None\"); 404 is null (gone)", async () => {
    const s = await sim({ quirks: true });
    const [u] = s.seed([{ id: 'u-1', email: 'Ada@Example.com', first_name: 'Ada', last_name: 'Lovelace', role: 'editor', pending: true }]);
    const secoda = createSecodaAdapter(secodaClient(s.url));
    expect(await secoda.getUser(u!.id)).toEqual({
      id: 'u-1', email: 'Ada@Example.com', first_name: 'Ada', last_name: 'Lovelace', role: 'editor', pending: true, is_service_account: false, disabled: false,
    });
    s.remove('u-1');
    expect(await secoda.getUser('u-1')).toBeNull();
    // The path the OpenAPI names, with Secoda's trailing slash, through the validator.
    expect(s.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(['GET /api/v1/user/u-1/ 200', 'GET /api/v1/user/u-1/ 404']);
  });

  it("another user's record, or a malformed one, is a bad answer (never acted on)", async () => {
    const s = await sim();
    s.fault({ kind: 'body', method: 'GET', path: '/api/v1/user/u-1/', body: JSON.stringify({ id: 'u-2', email: 'b@x.io', role: 'viewer' }) });
    const secoda = createSecodaAdapter(secodaClient(s.url));
    await expect(secoda.getUser('u-1')).rejects.toThrow(/sent user u-2 when asked for user u-1/);
    s.fault({ kind: 'body', method: 'GET', path: '/api/v1/user/u-1/', body: JSON.stringify({ id: 'u-1', pending: 'maybe' }) });
    await expect(secoda.getUser('u-1')).rejects.toBeInstanceOf(BadResponseError);
  });
});

describe('secoda adapter: writes', () => {
  it('invites (pending, role lower-cased), sets a role, removes (404 is done)', async () => {
    const s = await sim();
    const sec = createSecodaAdapter(secodaClient(s.url));
    const u = await sec.invite({ email: 'new@example.com', first_name: 'New', last_name: 'Person', role: 'Editor' });
    expect(u).toEqual({
      id: expect.any(String),
      first_name: 'New',
      last_name: 'Person',
      email: 'new@example.com',
      role: 'editor',
      pending: true,
      is_service_account: false,
      disabled: false,
      httpStatus: 201,
    });
    const changed = await sec.setRole(u.id, 'VIEWER');
    expect(changed.role).toBe('viewer');
    expect(changed.httpStatus).toBe(200);
    expect(s.byId(u.id)?.role).toBe('viewer');
    expect(await sec.remove(u.id)).toEqual({ httpStatus: 204 });
    expect(await sec.remove(u.id)).toEqual({ httpStatus: 404 });
    expect(s.byId(u.id)).toBeUndefined();
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/user/',
      `PATCH /api/v1/user/${u.id}/`,
      `DELETE /api/v1/user/${u.id}/`,
      `DELETE /api/v1/user/${u.id}/`,
    ]);
  });

  it('an invite whose response was lost is not created twice: the existing user is returned, flagged', async () => {
    const s = await sim();
    s.seed(seedUsers(3));
    s.fault({ kind: 'lose-response', method: 'POST', path: '/api/v1/user' });
    const u = await createSecodaAdapter(secodaClient(s.url)).invite({
      email: 'Lost@Example.com',
      first_name: 'Lost',
      last_name: 'One',
      role: 'viewer',
    });
    expect(u).toMatchObject({ email: 'Lost@Example.com', alreadyExisted: true, pending: true });
    expect(s.users().filter((x) => x.email.toLowerCase() === 'lost@example.com')).toHaveLength(1);
    expect(s.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('a 5xx before the user was created is simply retried', async () => {
    const s = await sim();
    s.fault({ kind: 'status', status: 502, method: 'POST', path: '/api/v1/user' });
    const u = await createSecodaAdapter(secodaClient(s.url)).invite({ email: 'r@example.com', first_name: 'R', last_name: '', role: 'viewer' });
    expect(u.alreadyExisted).toBeUndefined();
    expect(s.users()).toHaveLength(1);
  });

  it('a user that already existed before the first attempt -> ConflictError (stale snapshot)', async () => {
    const s = await sim();
    s.seed([{ email: 'there@example.com', role: 'viewer' }]);
    const err = await createSecodaAdapter(secodaClient(s.url))
      .invite({ email: 'there@example.com', first_name: 'T', last_name: 'H', role: 'viewer' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'E_CONFLICT', status: 400, attempts: 1 });
    expect((err as Error).message).toMatch(/there@example\.com already exists .*out of date/);
    expect(s.requests).toHaveLength(1);
  });

  it('another 400 (e.g. guest without teams) is an HttpStatusError with the server\'s reason', async () => {
    const s = await sim();
    const err = await createSecodaAdapter(secodaClient(s.url))
      .invite({ email: 'g@example.com', first_name: 'G', last_name: '', role: 'guest' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as Error).message).toContain('400 Bad Request');
    expect((err as Error).message).toContain('teams');
  });

  it('respects the write limit: no 429 from a server enforcing the same window', async () => {
    const s = await sim({ writeLimit: { limit: 3, windowMs: 300 } });
    const seeded = s.seed(seedUsers(9));
    const sec = createSecodaAdapter(secodaClient(s.url, { writeRate: { limit: 3, windowMs: 300 }, gateMarginMs: 50 }));
    // Open the keep-alive sockets first (reads are not limited here) so connection set-up
    // does not skew arrival times; the margin covers the rest of the client->server jitter.
    await Promise.all([1, 2, 3, 4].map(() => sec.listUsers()));
    await Promise.all(seeded.map((u) => sec.setRole(u.id, 'viewer')));
    expect(s.stats().throttled).toBe(0);
    const starts = s.requests.filter((r) => r.method === 'PATCH').map((r) => r.at);
    expect(maxInAnyWindow(starts, 300 - 25)).toBeLessThanOrEqual(3);
  });

  it('recovers from the server\'s 429s when our limit is looser than the real one', async () => {
    const s = await sim({ writeLimit: { limit: 2, windowMs: 300 }, retryAfterMode: 'none' });
    const seeded = s.seed(seedUsers(4));
    const sec = createSecodaAdapter(secodaClient(s.url, { retryLimit: 6, rateLimitBaseMs: 150 }));
    const out = await Promise.all(seeded.map((u) => sec.setRole(u.id, 'editor')));
    expect(out.every((u) => u.role === 'editor')).toBe(true);
    expect(s.stats().throttled).toBeGreaterThan(0);
  });

  it('a PATCH that silently ignores the role is an error, not a success', async () => {
    const s = await sim();
    const [u] = s.seed([{ email: 'stuck@example.com', role: 'viewer' }]);
    s.fault({ kind: 'body', method: 'PATCH', body: JSON.stringify({ ...u, role: 'Viewer' }) });
    const err = await createSecodaAdapter(secodaClient(s.url)).setRole(u.id, 'editor').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toContain('the role was not changed');
  });

  // The PATCH body schema lists only the names, its description says the role is editable: each reading.
  it("setRole against patchRole 'reject' (the schema, strictly): fails with the server's 400, role untouched", async () => {
    const s = await sim({ patchRole: 'reject' });
    const [u] = s.seed([{ email: 'r@example.com', role: 'viewer' }]);
    const err = await createSecodaAdapter(secodaClient(s.url)).setRole(u.id, 'editor').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as Error).message).toContain(`400 Bad Request: {"detail":"request body: unknown property \\"role\\" (PATCH /api/v1/user/${u.id}/)"}`);
    expect(s.byId(u.id)?.role).toBe('viewer');
  });

  it("setRole against patchRole 'ignore' (the schema, leniently): 200 but the role was not changed -> an error", async () => {
    const s = await sim({ patchRole: 'ignore' });
    const [u] = s.seed([{ email: 'i@example.com', role: 'viewer' }]);
    const err = await createSecodaAdapter(secodaClient(s.url)).setRole(u.id, 'editor').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toContain(`user ${u.id} with role "viewer" after setting role "editor": the role was not changed`);
  });

  it('every request the adapter sends passes the OpenAPI check (accept reading)', async () => {
    const s = await sim({ pageSize: 2 });
    s.seed(seedUsers(3));
    const sec = createSecodaAdapter(secodaClient(s.url));
    const [first] = await sec.listUsers();
    const u = await sec.invite({ email: 'ok@example.com', first_name: 'O', last_name: 'K', role: 'Viewer' });
    await sec.setRole(first.id, 'editor');
    await sec.remove(u.id);
    expect(s.requests.map((r) => r.status)).toEqual([200, 200, 201, 200, 204]);
  });

  it('keeps the Secoda paths in one place, with trailing slashes', () => {
    expect(SECODA_PATHS.users()).toBe('api/v1/user/');
    expect(SECODA_PATHS.user('3131f219-16bb')).toBe('api/v1/user/3131f219-16bb/');
  });
});
