/**
 * Secoda's groups, on real HTTP against the simulator: the list read as the
 * users' is (quirks, pagination readings, completeness), and every write's
 * answer checked (the PATCH `users` gap, pending members hidden).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSecodaSim, type SecodaSim, type SecodaSimOptions } from '../../tools/simulators/index.js';
import { BadResponseError } from '../../src/http/errors.js';
import { createSecodaAdapter, IncompleteReadError } from '../../src/adapters/secoda.js';
import { createSecodaGroupsAdapter } from '../../src/adapters/secoda-groups.js';
import { fastClient } from '../helpers/http-client.js';
import { call } from '../simulators/helpers.js';

const KEY = 'secoda-key-groups-0123';
const open: SecodaSim[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
async function sim(opts: Partial<SecodaSimOptions> = {}): Promise<SecodaSim> {
  const s = await startSecodaSim({ apiKey: KEY, writeLimit: null, ...opts });
  open.push(s);
  return s;
}
const adapter = (s: SecodaSim) => createSecodaGroupsAdapter(fastClient('secoda', s.url, KEY));

describe('reading groups', () => {
  for (const [quirks, countMeans] of [[true, 'total'], [false, 'total'], [true, 'page']] as const) {
    it(`every page, "None" fields, links.next elsewhere (quirks ${quirks}, count = ${countMeans})`, async () => {
      const s = await sim({ quirks, countMeans, pageSize: 2 });
      const [u] = s.seed([{ email: 'a@x.com' }]);
      s.seedGroups(Array.from({ length: 5 }, (_, i) => ({ name: `G${i}`, users: i === 0 ? [u!.id] : [] })));
      const page1 = await call(s.url, '/api/v1/auth/group/?page=1', { token: KEY });
      if (quirks) expect(page1.json).toMatchObject({ links: { previous: 'None' }, results: [{ icon: 'None', snowflake_role: 'None' }, {}] });
      const groups = await adapter(s).listGroups();
      expect(groups.map((g) => [g.name, g.users])).toEqual([['G0', [u!.id]], ['G1', []], ['G2', []], ['G3', []], ['G4', []]]);
      expect(s.requests.map((r) => r.query.page)).toEqual(['1', '1', '2', '3']);
    });
  }

  it('users "None" is delivered as unknown (null), never as an empty group', async () => {
    const s = await sim();
    s.seedGroups([{ name: 'G', users: null }]);
    expect(await adapter(s).listGroups()).toEqual([{ id: expect.any(String), name: 'G', users: null }]);
  });

  it('a list short of its count twice is IncompleteReadError; a record without an id is BadResponseError', async () => {
    const s = await sim({ groups: { shortReads: { missing: 1 } } });
    s.seedGroups([{ name: 'A' }, { name: 'B' }]);
    await expect(adapter(s).listGroups()).rejects.toThrow(IncompleteReadError);
    const t = await sim();
    t.seedGroups([{ name: 'A', id: 'None' }]);
    await expect(adapter(t).listGroups()).rejects.toThrow(/a malformed group on page 1, record 0: id/);
  });
});

describe('writing groups', () => {
  it('creates with the full list and sets it by PATCH; the answer lists what was sent', async () => {
    const s = await sim();
    const [a, b] = s.seed([{ email: 'a@x.com' }, { email: 'b@x.com' }]);
    const g = await adapter(s).createGroup('Eng', [a!.id], []);
    expect(g).toMatchObject({ name: 'Eng', users: [a!.id], httpStatus: 201 });
    const set = await adapter(s).setGroupUsers(g.id, [b!.id], []);
    expect(set).toMatchObject({ users: [b!.id], httpStatus: 200 });
    expect(s.groupByName('Eng')!.users).toEqual([b!.id]);
  });

  it('a create whose first attempt lost its answer is retried, and the twin that attempt made is deleted: one group', async () => {
    const s = await sim();
    const [a] = s.seed([{ email: 'a@x.com' }]);
    s.fault({ kind: 'lose-response', method: 'POST', path: '/api/v1/auth/group' });
    const g = await adapter(s).createGroup('Eng', [a!.id], []);
    expect(s.groups().map((x) => [x.id, x.name, x.users])).toEqual([[g.id, 'Eng', [a!.id]]]);
    expect(s.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.status}`)).toEqual(['POST reset', 'POST 201', 'DELETE 204']);
  });

  it('PATCH answered with the users unchanged (the gap read as "ignore"): BadResponseError naming the group', async () => {
    const s = await sim({ groups: { patchUsers: 'ignore' } });
    const [a] = s.seed([{ email: 'a@x.com' }]);
    const [g] = s.seedGroups([{ name: 'Eng' }]);
    const err = await adapter(s).setGroupUsers(g!.id, [a!.id], []).catch((e) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect(err.message).toMatch(/group "Eng" .* with 1 member\(s\) sent but not listed .*: the member list was not set/);
  });

  it('pending members missing from the answer are expected (hidden until they sign in); anyone else missing is not', async () => {
    const s = await sim({ groups: { hidePending: true } });
    const [a, p] = s.seed([{ email: 'a@x.com' }, { email: 'p@x.com', pending: true }]);
    const [g] = s.seedGroups([{ name: 'Eng' }]);
    expect(await adapter(s).setGroupUsers(g!.id, [a!.id, p!.id], [p!.id])).toMatchObject({ users: [a!.id] });
    expect(s.groupByName('Eng')!.users).toEqual([a!.id, p!.id]);
    await expect(adapter(s).setGroupUsers(g!.id, [a!.id, p!.id], [])).rejects.toThrow(/sent but not listed/);
  });

  it('a name PATCH whose answer keeps the old name is BadResponseError', async () => {
    const s = await sim();
    const [a] = s.seed([{ email: 'a@x.com', first_name: 'Old', last_name: 'Name' }]);
    expect(await createSecodaAdapter(fastClient('secoda', s.url, KEY)).setName(a!.id, 'Mary', 'Ann Smith')).toMatchObject({ first_name: 'Mary', last_name: 'Ann Smith', httpStatus: 200 });
  });
});

describe('the simulator checks group requests against the transcribed reference', () => {
  it('PATCH users: accepted, ignored, or refused as an undocumented property; unknown fields and user ids refused', async () => {
    const reject = await sim({ groups: { patchUsers: 'reject' } });
    const [g] = reject.seedGroups([{ name: 'G' }]);
    const r = await call(reject.url, `/api/v1/auth/group/${g!.id}/`, { method: 'PATCH', body: { users: [] }, token: KEY });
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/users/);
    const s = await sim();
    const bad = await call(s.url, '/api/v1/auth/group/', { method: 'POST', body: { name: 'X', members: [] }, token: KEY });
    expect(bad.status).toBe(400);
    const unknown = await call(s.url, '/api/v1/auth/group/', { method: 'POST', body: { name: 'X', users: ['nobody'] }, token: KEY });
    expect(unknown).toMatchObject({ status: 400, json: { users: ['Invalid pk "nobody" - object does not exist.'] } });
    const invite = await call(s.url, '/api/v1/user/', { method: 'POST', body: { email: 'n@x.com', role: 'viewer', user_groups: ['nope'] }, token: KEY });
    expect(invite.status).toBe(400);
  });

  it('an invite with user_groups joins them; a deleted user leaves every group', async () => {
    const s = await sim();
    const [g] = s.seedGroups([{ name: 'G' }]);
    const invite = await call(s.url, '/api/v1/user/', { method: 'POST', body: { email: 'n@x.com', role: 'viewer', user_groups: [g!.id] }, token: KEY });
    expect(invite.status).toBe(201);
    expect(s.groupByName('G')!.users).toEqual([invite.json.id]);
    await call(s.url, `/api/v1/user/${invite.json.id}/`, { method: 'DELETE', token: KEY });
    expect(s.groupByName('G')!.users).toEqual([]);
  });
});
