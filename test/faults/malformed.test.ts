/**
 * Malformed answers from either API. Every read problem aborts the run
 * before its first write (exit 1, the message names the API and the page);
 * the Python-isms the Secoda docs show ("None", "True"/"False", capitalised
 * roles, links.next pointing elsewhere) are accepted.
 */
import { describe, expect, it } from 'vitest';
import { managedSecoda, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('malformed', { warp: true });

/** A plan with every kind of write, so "no write" means something. */
function seed(h: FaultHarness) {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root', roles: ['admin'] },
    { email: 'new@acme.com', name: 'New', roles: ['analyst'] },
    { email: 'up@acme.com', name: 'Up', roles: ['developer'] },
    ...Array.from({ length: 8 }, (_, i) => ({ email: `same${i}@acme.com`, roles: ['analyst'] })),
  ]);
  h.secoda.seed([
    { id: 'id-root', email: 'root@acme.com', role: 'admin' },
    { id: 'id-up', email: 'up@acme.com', role: 'viewer' },
    { id: 'id-left', email: 'left@acme.com', role: 'viewer' },
    ...Array.from({ length: 8 }, (_, i) => ({ email: `same${i}@acme.com`, role: 'viewer' })),
  ]);
}

const user = (id: string, email: unknown, extra: Record<string, unknown> = {}) => ({
  id, first_name: 'A', last_name: 'B', email, role: 'viewer', pending: 'False', is_service_account: false, disabled: false, ...extra,
});
const listPage = (results: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ links: { next: 'None', previous: 'None' }, meta: { page: 1, previous_page: 'None', next_page: 'None' }, count: 1, total_pages: 1, results, ...extra });

type Case = { name: string; setup: (h: FaultHarness) => void; error: RegExp };

const ORG_CASES: Case[] = [
  { name: 'HTML with status 200', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'html' }), error: /org API sent a response that is not valid JSON to GET .*organization\/users.*: 200 OK, content-type text\/html/ },
  { name: 'truncated JSON', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'truncated' }), error: /org API sent a response that is not valid JSON to GET .*organization\/users/ },
  { name: '`count` a string', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'body', body: '{"count": "11", "items": []}' }), error: /org API sent a malformed user list on page 1: .*count: expected number, received string/ },
  { name: '`items` an object', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'body', body: '{"count": 1, "items": {"0": {"email": "a@acme.com", "roles": []}}}' }), error: /org API sent a malformed user list on page 1: .*items: expected array, received object/ },
  { name: '`items` null', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'body', body: '{"count": 0, "items": null}' }), error: /org API sent a malformed user list on page 1: .*items: expected array/ },
  { name: '`count` negative', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'body', body: '{"count": -1, "items": []}' }), error: /org API sent a malformed user list on page 1: .*count: /i },
  { name: '`count` not a whole number', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'body', body: '{"count": 1.5, "items": []}' }), error: /org API sent a malformed user list on page 1: .*count: /i },
  { name: 'a JSON array instead of the envelope', setup: (h) => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'body', body: '[{"email": "a@acme.com", "roles": []}]' }), error: /org API sent a malformed user list on page 1/ },
];

const SECODA_CASES: Case[] = [
  { name: 'truncated JSON', setup: (h) => h.secoda.fault({ method: 'GET', kind: 'truncated' }), error: /secoda API sent a response that is not valid JSON to GET .*api\/v1\/user\// },
  { name: 'HTML with status 200 on a 2nd page', setup: (h) => {
    h.secoda.fault({ method: 'GET', kind: 'body', body: listPage([user('id-root', 'root@acme.com', { role: 'admin' })], { meta: { page: 1, next_page: 2 } }) });
    h.secoda.fault({ method: 'GET', kind: 'html' });
  }, error: /secoda API sent a response that is not valid JSON to GET .*api\/v1\/user\/\?page=2: 200 OK, content-type text\/html/ },
  { name: '`results` an object', setup: (h) => h.secoda.fault({ method: 'GET', kind: 'body', body: listPage({ 0: user('id-root', 'root@acme.com') }) }), error: /secoda API sent a malformed user list on page 1: no "results" array/ },
  { name: '`results` missing', setup: (h) => h.secoda.fault({ method: 'GET', kind: 'body', body: JSON.stringify({ count: 3, users: [] }) }), error: /secoda API sent a malformed user list on page 1: no "results" array/ },
  { name: 'a user with a numeric email', setup: (h) => h.secoda.fault({ method: 'GET', kind: 'body', body: listPage([user('id-root', 'root@acme.com', { role: 'admin' }), user('id-x', 12345)]) }), error: /secoda API sent a malformed user on page 1, record 1: email: expected string, received number/ },
  { name: 'a user without an id', setup: (h) => h.secoda.fault({ method: 'GET', kind: 'body', body: listPage([user('None', 'x@acme.com')]) }), error: /secoda API sent a malformed user on page 1, record 0: id/ },
  { name: 'a user with pending "maybe"', setup: (h) => h.secoda.fault({ method: 'GET', kind: 'body', body: listPage([user('id-x', 'x@acme.com', { pending: 'maybe' })]) }), error: /secoda API sent a malformed user on page 1, record 0: pending/ },
  { name: 'meta.next_page looping back to page 1', setup: (h) => {
    h.secoda.fault({ method: 'GET', kind: 'body', body: listPage([user('id-root', 'root@acme.com', { role: 'admin' })], { meta: { page: 1, next_page: 2 } }) });
    h.secoda.fault({ method: 'GET', kind: 'body', body: listPage([user('id-up', 'up@acme.com')], { meta: { page: 2, next_page: 1 } }) });
  }, error: /secoda API sent a user list that loops: page 2 points to page 1, which was already read/ },
  { name: 'links.next looping back to page 2 (no meta)', setup: (h) => {
    const page = (n: number, next: number) => JSON.stringify({ links: { next: `https://api.secoda.co/resource/all/?page=${next}`, previous: 'None' }, results: [user(`id-${n}`, `p${n}@acme.com`)] });
    h.secoda.fault({ method: 'GET', kind: 'body', body: page(1, 2) });
    h.secoda.fault({ method: 'GET', kind: 'body', body: page(2, 3) });
    h.secoda.fault({ method: 'GET', kind: 'body', body: page(3, 2) });
  }, error: /secoda API sent a user list that loops: page 3 points to page 2, which was already read/ },
  { name: 'meta.next_page not a number', setup: (h) => h.secoda.fault({ method: 'GET', kind: 'body', body: listPage([user('id-root', 'root@acme.com')], { meta: { page: 1, next_page: 'two' } }) }), error: /secoda API sent a malformed user list on page 1: meta.next_page is not a page number/ },
];

describe('malformed answers abort before any write (exit 1)', () => {
  for (const [api, cases] of [['org', ORG_CASES], ['secoda', SECODA_CASES]] as const) {
    for (const c of cases) {
      it(`${api}: ${c.name}`, async () => {
        const h = await suite.start();
        seed(h);
        const before = h.secoda.users();
        c.setup(h);
        const r = await h.run(['reconcile']);
        expect(r.code, r.stderr).toBe(1);
        const report = r.json();
        expect(report.status).toBe('failed');
        expect(report.error).toMatch(c.error);
        expect(report.actions).toEqual([]);
        // Logged too (pino JSON escapes the quotes).
        expect(r.stderr).toMatch(new RegExp(c.error.source.replace(/"/g, '\\\\?"')));
        expect(h.writes()).toEqual([]);
        expect(h.secoda.users()).toEqual(before);
        // Not retried: one request per page read.
        expect(h.org.pendingFaults() + h.secoda.pendingFaults()).toBe(0);
        // Both APIs are read at once: the Secoda read may have begun, and stopped; it only ever read.
        if (api === 'org') expect(h.secoda.requests.filter((q) => q.method !== 'GET')).toEqual([]);
      });
    }
  }

  it('org: an invalid record (numeric email) is not a malformed page: it is reported, deletes are held, the run fails (exit 1)', async () => {
    // By design (docs/DESIGN.md, README): records go to `invalid` with page and index, and the pull goes on.
    const h = await suite.start();
    seed(h);
    h.org.seedRaw([{ id: 'bad-1', email: 12345, name: 'Numeric', roles: ['analyst'] }]);
    const r = await h.run(['reconcile']);
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.holds.join(' ')).toMatch(/1 source record\(s\) failed validation — page 1 item 11: email: expected string, received number; no deletes this run/);
    expect(report.actions.filter((a: any) => a.type === 'delete').map((a: any) => a.status)).toEqual(['withheld']);
    expect(h.secoda.byEmail('left@acme.com')).toBeDefined();
    expect(h.writes().filter((w) => w.method === 'DELETE')).toEqual([]);
  });
});

describe('the documented Secoda quirks are accepted', () => {
  it('"None", "True"/"False" strings, capitalised roles and links.next on another path: read correctly, the run converges', async () => {
    const h = await suite.start({ secoda: { pageSize: 4, quirks: true } });
    h.org.seed([
      { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
      { email: 'ed@acme.com', name: 'Ed Itor', roles: ['developer'] },
      { email: 'pending@acme.com', name: 'Pen Ding', roles: ['analyst'] },
      { email: 'bot@acme.com', name: 'Bot', roles: ['analyst'] },
      { email: 'off@acme.com', name: 'Off', roles: ['developer'] },
      { email: 'new@acme.com', name: 'New Person', roles: ['analyst'] },
    ]);
    h.secoda.seed([
      { id: 'u-root', email: 'root@acme.com', role: 'admin' },
      { id: 'u-ed', email: 'ed@acme.com', role: 'editor' },
      { id: 'u-pending', email: 'pending@acme.com', role: 'viewer', pending: true, last_login: null },
      // Strings where the docs show them for booleans.
      { id: 'u-bot', email: 'bot@acme.com', role: 'admin', is_service_account: 'True' as any },
      { id: 'u-off', email: 'off@acme.com', role: 'viewer', disabled: 'True' as any },
      { id: 'u-flag', email: 'flag@acme.com', role: 'editor', is_service_account: 'False' as any, disabled: 'false' as any },
    ]);
    h.secoda.update('u-root', { first_name: null as any, last_name: null as any });
    // What the client gets really is quirky.
    const raw = await (await fetch(`${h.secoda.url}/api/v1/user/?page=1`, { headers: { authorization: `Bearer ${h.env.SECODA_API_KEY}` } })).json() as any;
    expect(raw.links.next).toMatch(/\/resource\/all\/\?page=2$/);
    expect(raw.links.previous).toBe('None');
    expect(raw.meta.previous_page).toBe('None');
    expect(raw.results[0]).toMatchObject({ first_name: 'None', last_name: 'None', pending: 'False', profile_picture: 'None' });
    expect(raw.results[2]).toMatchObject({ role: 'Viewer', pending: 'True', last_login: 'None' });
    expect(raw.results[3]).toMatchObject({ is_service_account: 'True' });
    h.secoda.resetLog();

    const r = await h.run(['reconcile'], { MAX_DELETE_PERCENT: '100' });
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(report.actions.map((a: any) => [a.type, a.email, a.from ?? null, a.to ?? null, a.status])).toEqual([
      ['delete', 'flag@acme.com', 'editor', null, 'succeeded'],
      ['invite', 'new@acme.com', null, 'viewer', 'succeeded'],
    ]);
    expect(report.skipped).toEqual([
      { email: 'bot@acme.com', reason: 'service account' },
      { email: 'off@acme.com', reason: 'disabled' },
    ]);
    expect(report.summary.unchanged).toBe(3);
    // Pages followed through OUR base URL, never the sample's other path.
    expect(h.secoda.requests.every((q) => q.path.startsWith('/api/v1/user'))).toBe(true);
    expect(h.secoda.requests.filter((q) => q.method === 'GET').map((q) => q.query.page)).toEqual(['1', '2']);
    expect(managedSecoda(h.secoda.users().filter((u) => typeof u.is_service_account === 'boolean' && typeof u.disabled === 'boolean'))).toEqual({
      'root@acme.com': 'admin', 'ed@acme.com': 'editor', 'pending@acme.com': 'viewer', 'new@acme.com': 'viewer',
    });

    const again = await h.run(['reconcile']);
    expect(again.code).toBe(0);
    expect(again.json().actions).toEqual([]);
  });
});
