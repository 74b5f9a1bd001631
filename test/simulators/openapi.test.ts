/**
 * The Secoda simulator checks every request against Secoda's published
 * OpenAPI (vendored: tools/simulators/secoda-openapi.json), and the small
 * validator behind it refuses documents it could not fully check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSecodaSim, type SecodaSim, type SecodaSimOptions } from '../../tools/simulators/index.js';
import { createRequestValidator } from '../../tools/simulators/openapi.js';
import { call, KEY } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vendored = join(root, 'tools', 'simulators', 'secoda-openapi.json');
const published = join(root, '..', 'shared', 'api', 'secoda-users.openapi.json');

let sim: SecodaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});
const start = async (opts: Partial<SecodaSimOptions> = {}) =>
  (sim = await startSecodaSim({ apiKey: KEY, writeLimit: null, ...opts }));

describe('the vendored OpenAPI document', () => {
  it.skipIf(!existsSync(published))('equals ../shared/api/secoda-users.openapi.json', () => {
    expect(JSON.parse(readFileSync(vendored, 'utf8'))).toEqual(JSON.parse(readFileSync(published, 'utf8')));
  });
});

describe('secoda simulator: requests are checked against the OpenAPI', () => {
  it('accepts what the docs allow, with and without the trailing slash', async () => {
    const s = await start();
    const [u] = s.seed([{ email: 'a@example.com', role: 'viewer' }]);
    expect((await call(s.url, '/api/v1/user/?page=1')).status).toBe(200);
    expect((await call(s.url, '/api/v1/user')).status).toBe(200);
    expect((await call(s.url, `/api/v1/user/${u.id}`)).status).toBe(200);
    const body = { first_name: 'B', last_name: 'C', email: 'b@example.com', role: 'guest', teams: ['t1'], user_groups: [] };
    expect((await call(s.url, '/api/v1/user', { method: 'POST', body })).status).toBe(201);
    expect((await call(s.url, `/api/v1/user/${u.id}/`, { method: 'PATCH', body: { first_name: 'A' } })).status).toBe(200);
    expect((await call(s.url, `/api/v1/user/${u.id}/`, { method: 'DELETE' })).status).toBe(204);
  });

  const cases: { name: string; path: string; method?: string; body?: unknown; raw?: string; status: number; detail: string }[] = [
    { name: 'an undocumented query parameter', path: '/api/v1/user/?page=1&page_size=100', status: 400, detail: 'query parameter "page_size" is not documented (GET /api/v1/user/)' },
    { name: 'a query parameter on get-by-id', path: '/api/v1/user/x/?page=1', status: 400, detail: 'query parameter "page" is not documented (GET /api/v1/user/x/)' },
    { name: 'page given twice', path: '/api/v1/user/?page=1&page=2', status: 400, detail: 'query parameter "page" given more than once (GET /api/v1/user/)' },
    { name: 'an unknown body property', path: '/api/v1/user/', method: 'POST', body: { email: 'x@example.com', foo: 1 }, status: 400, detail: 'request body: unknown property "foo" (POST /api/v1/user/)' },
    { name: 'a wrongly typed property', path: '/api/v1/user/', method: 'POST', body: { email: 'x@example.com', first_name: 5 }, status: 400, detail: 'request body "first_name" must be a string, got integer (POST /api/v1/user/)' },
    { name: 'a wrongly typed array item', path: '/api/v1/user/', method: 'POST', body: { email: 'x@example.com', role: 'guest', teams: [7] }, status: 400, detail: 'request body "teams"[0] must be a string, got integer (POST /api/v1/user/)' },
    { name: 'null where a string is expected', path: '/api/v1/user/', method: 'POST', body: { email: null }, status: 400, detail: 'request body "email" must not be null (POST /api/v1/user/)' },
    { name: 'a body that is not an object', path: '/api/v1/user/', method: 'POST', body: ['x@example.com'], status: 400, detail: 'request body must be an object, got array (POST /api/v1/user/)' },
    { name: 'no body where one is required', path: '/api/v1/user/', method: 'POST', status: 400, detail: 'request body: required (POST /api/v1/user/)' },
    { name: 'malformed JSON', path: '/api/v1/user/', method: 'POST', raw: '{"email": ', status: 400, detail: 'request body: not valid JSON (POST /api/v1/user/)' },
    { name: 'a body on DELETE', path: '/api/v1/user/x/', method: 'DELETE', body: {}, status: 400, detail: 'request body: this operation takes none (DELETE /api/v1/user/x/)' },
    { name: 'an undocumented method', path: '/api/v1/user/', method: 'PUT', body: {}, status: 405, detail: 'method PUT is not documented for /api/v1/user (PUT /api/v1/user/)' },
    { name: 'an undocumented path', path: '/api/v1/users/', status: 404, detail: 'no such path in the OpenAPI document (GET /api/v1/users/)' },
  ];
  for (const c of cases) {
    it(`answers ${c.status} naming the violation: ${c.name}`, async () => {
      const s = await start();
      s.seed([{ id: 'x', email: 'x@example.com' }]);
      const r = await call(s.url, c.path, { method: c.method ?? 'GET', body: c.body, raw: c.raw });
      expect(r.status).toBe(c.status);
      expect(r.json).toEqual({ detail: c.detail });
      expect(s.users().map((u) => u.id)).toEqual(['x']);
    });
  }

  it('authenticates first, and an invalid route neither consumes a fault nor takes a rate slot', async () => {
    const s = await start({ writeLimit: { limit: 1, windowMs: 60_000 } });
    expect((await call(s.url, '/api/v1/user/?foo=1', { token: 'wrong' })).status).toBe(401);
    s.fault({ kind: 'status', status: 503 });
    expect((await call(s.url, '/api/v1/user/?foo=1')).status).toBe(400);
    expect((await call(s.url, '/api/v1/user/', { method: 'PUT', body: {} })).status).toBe(405);
    expect(s.pendingFaults()).toBe(1);
    s.clearFaults();
    expect((await call(s.url, '/api/v1/user/', { method: 'POST', body: { email: 'ok@example.com' } })).status).toBe(201);
  });

  it('openApi: false turns the check off', async () => {
    const s = await start({ openApi: false });
    expect((await call(s.url, '/api/v1/user/?page_size=5')).status).toBe(200);
    expect((await call(s.url, '/api/v1/user/', { method: 'POST', body: { email: 'x@example.com', foo: 1 } })).status).toBe(201);
  });
});

describe('PATCH {"role"}: the documented gap, each reading', () => {
  it("'accept' (default): the description's reading, the role changes", async () => {
    const s = await start();
    const [u] = s.seed([{ email: 'a@example.com', role: 'viewer' }]);
    const r = await call(s.url, `/api/v1/user/${u.id}/`, { method: 'PATCH', body: { role: 'editor' } });
    expect([r.status, r.json.role]).toEqual([200, 'editor']);
  });

  it("'reject': the schema's reading, 400 unknown property", async () => {
    const s = await start({ patchRole: 'reject' });
    const [u] = s.seed([{ email: 'a@example.com', role: 'viewer' }]);
    const r = await call(s.url, `/api/v1/user/${u.id}/`, { method: 'PATCH', body: { role: 'editor' } });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ detail: `request body: unknown property "role" (PATCH /api/v1/user/${u.id}/)` });
    expect(s.byId(u.id)?.role).toBe('viewer');
  });

  it("'ignore': the schema's reading as a lenient serializer applies it, 200 and the role unchanged", async () => {
    const s = await start({ patchRole: 'ignore' });
    const [u] = s.seed([{ email: 'a@example.com', role: 'viewer' }]);
    const r = await call(s.url, `/api/v1/user/${u.id}/`, { method: 'PATCH', body: { role: 'editor', first_name: 'Z' } });
    expect([r.status, r.json.role, r.json.first_name]).toEqual([200, 'viewer', 'Z']);
  });
});

describe('the request validator refuses what it cannot check', () => {
  const doc = (schema: unknown, extra: Record<string, unknown> = {}) => ({
    paths: { '/x': { post: { requestBody: { required: true, content: { 'application/json': { schema } } }, ...extra } } },
  });
  for (const [name, d, message] of [
    ['oneOf', doc({ oneOf: [{ type: 'string' }] }), /unsupported schema keyword "oneOf" at POST \/x body/],
    ['a nested pattern', doc({ type: 'object', properties: { a: { type: 'string', pattern: '^a' } } }), /unsupported schema keyword "pattern" at POST \/x body\.a/],
    ['format', doc({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } }), /unsupported schema keyword "format"/],
    ['a schema for additionalProperties', doc({ type: 'object', additionalProperties: { type: 'string' } }), /only boolean additionalProperties/],
    ['a header parameter', doc({ type: 'object' }, { parameters: [{ name: 'X-Id', in: 'header' }] }), /unsupported parameter location "header"/],
    ['a form body', { paths: { '/x': { post: { requestBody: { content: { 'application/x-www-form-urlencoded': { schema: {} } } } } } } }, /other than one application\/json schema/],
    ['an unknown type', doc({ type: 'file' }), /unsupported type "file"/],
    ['a remote $ref', doc({ $ref: 'https://example.com/s.json' }), /non-local \$ref/],
  ] as const) {
    it(`throws at start on ${name}`, () => {
      expect(() => createRequestValidator(d)).toThrow(message);
    });
  }

  it('enforces enum, required and nullable, through a local $ref', () => {
    const v = createRequestValidator({
      paths: { '/x': { post: { requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/X' } } } } } } },
      components: {
        schemas: {
          X: { type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: ['a', 'b'] }, note: { type: 'string', nullable: true } } },
        },
      },
    });
    expect(v.body('POST', '/x', { kind: 'a', note: null }, 'POST /x')).toBeNull();
    expect(v.body('POST', '/x', { note: 'n' }, 'POST /x')?.message).toBe('request body: missing required property "kind" (POST /x)');
    expect(v.body('POST', '/x', { kind: 'c' }, 'POST /x')?.message).toBe('request body "kind" must be one of "a", "b", got "c" (POST /x)');
  });
});
