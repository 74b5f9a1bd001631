/**
 * The org adapter against every reading of the reference the simulator can
 * take (issue 7, items 1 and 2): list items with, without or partly without
 * `roles`, and a `count` that is the total or the page's item count.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startOrgSim, type OrgCountMeans, type OrgListRoles, type OrgSim } from '../../tools/simulators/index.js';
import { AuthError, BadResponseError, HttpStatusError } from '../../src/http/errors.js';
import { createOrgAdapter, type OrgPageProgress, type OrgRolesFrom } from '../../src/adapters/org.js';
import { fastClient } from '../helpers/http-client.js';

const TOKEN = 'org-token-roles-77';
const sims: OrgSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(opts: Partial<Parameters<typeof startOrgSim>[0]> = {}): Promise<OrgSim> {
  const s = await startOrgSim({ token: TOKEN, ...opts });
  sims.push(s);
  return s;
}

const ROLE_CYCLE: string[][] = [['admin'], ['developer'], ['analyst'], [], ['developer', 'analyst']];
/** `n` users u000.. with ids org-000.. and roles cycling through ROLE_CYCLE (including "no role"). */
const people = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `org-${String(i).padStart(3, '0')}`,
    email: `u${String(i).padStart(3, '0')}@acme.com`,
    name: `User ${i}`,
    roles: ROLE_CYCLE[i % ROLE_CYCLE.length]!,
  }));

const USER_GET = /^\/v1\/organization\/users\/org-\d{3}$/;
const perUserReads = (s: OrgSim) => s.requests.filter((r) => r.method === 'GET' && USER_GET.test(r.path));
const listReads = (s: OrgSim) => s.requests.filter((r) => r.path === '/v1/organization/users');

describe('org adapter: every reading of roles and count (250 users, pages of 100)', () => {
  const readings: { listRoles: OrgListRoles; countMeans: OrgCountMeans }[] = [];
  for (const listRoles of ['included', 'omitted', 'mixed'] as const) {
    for (const countMeans of ['total', 'page'] as const) readings.push({ listRoles, countMeans });
  }

  it.each(readings)('roles $listRoles, count = $countMeans: every user, with the right roles, in 3 pages (ORG_ROLES_FROM=auto)', async ({ listRoles, countMeans }) => {
    const s = await sim({ listRoles, countMeans });
    const seeded = s.seed(people(250));
    const pull = await createOrgAdapter(fastClient('org', s.url, TOKEN)).listUsers();

    expect(pull.users).toEqual(seeded);
    expect(pull.invalid).toEqual([]);
    // Users with equal roles share one frozen list, whether it came with the list or was read by id.
    expect(new Set(pull.users.map((u) => u.roles)).size).toBe(ROLE_CYCLE.length);
    expect(pull.users.every((u) => Object.isFrozen(u.roles))).toBe(true);
    // The pull ends on the short third page, whatever `count` said.
    expect(pull.pages).toBe(3);
    const pagesRead = listReads(s).map((r) => Number(r.query.page_number)).sort((a, b) => a - b);
    if (countMeans === 'total') {
      // A total says where the short page is: pages 2 and 3 at once, nothing past them.
      expect(pagesRead).toEqual([1, 2, 3]);
    } else {
      // A `count` that may be per page plans nothing: pages are read a few ahead (at most the
      // client's 4 at a time past the short page), and the read still ends on page 3.
      expect(pagesRead.slice(0, 3)).toEqual([1, 2, 3]);
      expect(pagesRead.length - 3).toBeLessThanOrEqual(4);
    }
    expect(pull.reportedCount).toBe(countMeans === 'total' ? 250 : 100);
    // Roles absent from the list are read from each user's record, and only those.
    const expectedReads = { included: 0, omitted: 250, mixed: 125 }[listRoles];
    expect(perUserReads(s)).toHaveLength(expectedReads);
    if (listRoles === 'mixed') {
      expect(new Set(perUserReads(s).map((r) => r.path))).toEqual(new Set(seeded.filter((_, i) => i % 2 === 1).map((u) => `/v1/organization/users/${u.id}`)));
    }
    expect(pull.roleReads).toEqual(
      listRoles === 'included'
        ? undefined
        : {
            requests: expectedReads,
            note: listRoles === 'omitted'
              ? "org roles read from each user's record (GET organization/users/{id}): list items carry no roles (ORG_ROLES_FROM=auto)"
              : "org roles read from each user's record (GET organization/users/{id}): 125 of 250 list items carry no roles (ORG_ROLES_FROM=auto)",
          },
    );
  });

  it.each(['included', 'omitted', 'mixed'] as const)('roles %s, ORG_ROLES_FROM=user: every user read by id', async (listRoles) => {
    const s = await sim({ listRoles });
    const seeded = s.seed(people(120));
    const pull = await createOrgAdapter(fastClient('org', s.url, TOKEN), { rolesFrom: 'user' }).listUsers();
    expect(pull.users).toEqual(seeded);
    expect(perUserReads(s)).toHaveLength(120);
    expect(pull.roleReads).toEqual({ requests: 120, note: "org roles read from each user's record (GET organization/users/{id}): ORG_ROLES_FROM=user" });
  });

  it.each([
    ['included', 0],
    ['omitted', 120],
    ['mixed', 60],
  ] as const)('roles %s, ORG_ROLES_FROM=list: an item without roles is an invalid record (%i), never read by id', async (listRoles, invalid) => {
    const s = await sim({ listRoles });
    s.seed(people(120));
    const pull = await createOrgAdapter(fastClient('org', s.url, TOKEN), { rolesFrom: 'list' }).listUsers();
    expect(pull.invalid).toHaveLength(invalid);
    expect(pull.users).toHaveLength(120 - invalid);
    if (invalid) expect(pull.invalid[0]!.problem).toMatch(/^roles: /);
    expect(perUserReads(s)).toEqual([]);
    expect(pull.roleReads).toBeUndefined();
  });
});

describe('org adapter: reading roles user by user', () => {
  it('reads concurrently, never more at once than the client allows, and reports progress', async () => {
    const s = await sim({ listRoles: 'omitted', latencyMs: 25 });
    s.seed(people(24));
    const progress: OrgPageProgress[] = [];
    const pull = await createOrgAdapter(fastClient('org', s.url, TOKEN, { concurrency: 3 }), { concurrency: 8 }).listUsers((p) => progress.push(p));
    expect(pull.users.map((u) => u.roles)).toEqual(people(24).map((p) => p.roles));
    const reads = perUserReads(s);
    const overlap = Math.max(...reads.map((a) => reads.filter((b) => b.at <= a.at && (b.doneAt ?? Infinity) > a.at).length));
    expect(overlap).toBeGreaterThan(1);
    expect(overlap).toBeLessThanOrEqual(3);
    expect(progress[0]).toEqual({ page: 1, fetched: 24, count: 24 });
    expect(progress.slice(1).map((p) => p.rolesRead)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(progress.at(-1)).toEqual({ page: 1, fetched: 24, count: 24, rolesRead: 24, rolesToRead: 24 });
  });

  it('a read that keeps failing fails the whole pull, saying it was reading roles; the other reads stop', async () => {
    const s = await sim({ listRoles: 'omitted', latencyMs: 5 });
    s.seed(people(40));
    s.fault({ kind: 'status', status: 500, method: 'GET', path: '/organization/users/org-003', times: 10 });
    const err = await createOrgAdapter(fastClient('org', s.url, TOKEN, { retryLimit: 1 }), { concurrency: 2 }).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as Error).message).toMatch(/organization\/users\/org-003: 500 .*while reading each user's roles \(ORG_ROLES_FROM=auto\)/);
    expect(perUserReads(s).length).toBeLessThan(20);
  });

  it('a 403 on a user read is the token refused (AuthError), as on the list', async () => {
    const s = await sim({ listRoles: 'omitted' });
    s.seed(people(3));
    s.fault({ kind: 'status', status: 403, method: 'GET', path: '/organization/users/org-001' });
    await expect(createOrgAdapter(fastClient('org', s.url, TOKEN)).listUsers()).rejects.toBeInstanceOf(AuthError);
  });

  it.each([
    ['another user (a different id)', '{"id": "org-999", "email": "u001@acme.com", "name": "X", "roles": ["admin"]}', /the record of another user \(a different id\)/],
    ['another email', '{"id": "org-001", "email": "someone@acme.com", "name": "X", "roles": ["admin"]}', /a record whose email differs from the user list/],
    ['no roles', '{"id": "org-001", "email": "u001@acme.com", "name": "X"}', /a malformed user record \(roles: /],
    ['roles: null', '{"id": "org-001", "email": "u001@acme.com", "name": "X", "roles": null}', /a malformed user record \(roles: /],
  ])('a user record answering %s fails the pull (BadResponseError)', async (_what, body, message) => {
    const s = await sim({ listRoles: 'omitted' });
    s.seed(people(3));
    s.fault({ kind: 'body', method: 'GET', path: '/organization/users/org-001', body });
    const err = await createOrgAdapter(fastClient('org', s.url, TOKEN)).listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('organization/users/org-001');
  });

  it('`roles: []` in the list is "no role" (not read again); a list item with `roles: null` is read by id; an item without id or roles is invalid', async () => {
    const s = await sim();
    s.seed([{ id: 'empty', email: 'empty@acme.com', roles: [] }]);
    s.seedRaw([
      { id: 'nul', email: 'nul@acme.com', name: 'Nul', roles: null },
      { email: 'noid@acme.com', name: 'No Id' },
    ]);
    // What GET by id serves for the raw item: its record with roles.
    s.fault({ kind: 'body', method: 'GET', path: '/organization/users/nul', body: '{"id": "nul", "email": "nul@acme.com", "name": "Nul", "roles": ["developer"]}' });
    const pull = await createOrgAdapter(fastClient('org', s.url, TOKEN)).listUsers();
    expect(pull.users).toEqual([
      { id: 'empty', email: 'empty@acme.com', name: '', roles: [] },
      { id: 'nul', email: 'nul@acme.com', name: 'Nul', roles: ['developer'] },
    ]);
    expect(pull.invalid).toEqual([{ page: 1, index: 2, problem: expect.stringMatching(/^id: missing, and the item carries no roles/) }]);
    expect(s.requests.filter((r) => r.path.startsWith('/v1/organization/users/')).map((r) => r.path)).toEqual(['/v1/organization/users/nul']);
  });

  it('rejects an unknown roles source', () => {
    expect(() => createOrgAdapter(fastClient('org', 'http://127.0.0.1:1', TOKEN), { rolesFrom: 'both' as OrgRolesFrom })).toThrow(RangeError);
  });
});
