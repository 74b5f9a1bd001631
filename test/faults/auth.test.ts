/**
 * 401 and 403 from each API: never retried, exit 1, a message naming the API
 * that refused and the variable to check — and never the key itself.
 */
import { describe, expect, it } from 'vitest';
import { managedSecoda, requestsTo, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('auth', { warp: true });

function seed(h: FaultHarness) {
  h.org.seed([
    { email: 'root@acme.com', roles: ['admin'] },
    { email: 'new1@acme.com', roles: ['analyst'] },
    { email: 'new2@acme.com', roles: ['analyst'] },
    { email: 'new3@acme.com', roles: ['analyst'] },
  ]);
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
}

const WRONG_ORG = 'wrong-org-token-5Tq9';
const WRONG_SECODA = 'wrong-secoda-key-8Hn3';

describe('credentials refused on a read: no retry, exit 1, nothing written', () => {
  const cases = [
    { api: 'org', status: 401, how: 'a wrong token', env: { ORG_API_TOKEN: WRONG_ORG }, variable: 'ORG_API_TOKEN', line: '401 Unauthorized' },
    { api: 'org', status: 403, how: 'a token without access', forbid: 'org', variable: 'ORG_API_TOKEN', line: '403 Forbidden' },
    { api: 'secoda', status: 401, how: 'a wrong key', env: { SECODA_API_KEY: WRONG_SECODA }, variable: 'SECODA_API_KEY', line: '401 Unauthorized' },
    { api: 'secoda', status: 403, how: 'a key without access', forbid: 'secoda', variable: 'SECODA_API_KEY', line: '403 Forbidden' },
  ] as const;

  for (const c of cases) {
    it(`${c.api} ${c.status} (${c.how})`, async () => {
      const h = await suite.start({
        ...('forbid' in c && c.forbid === 'org' ? { org: { forbid: true } } : {}),
        ...('forbid' in c && c.forbid === 'secoda' ? { secoda: { forbid: true } } : {}),
      });
      suite.collector.secret(WRONG_ORG);
      suite.collector.secret(WRONG_SECODA);
      seed(h);
      const env = { RETRY_LIMIT: '5', ...('env' in c ? c.env : {}) };
      const r = await h.run(['reconcile'], env);
      expect(r.code).toBe(1);
      const report = r.json();
      expect(report.status).toBe('failed');
      const message = new RegExp(`^${c.api} API refused GET \\S+: ${c.line} — check ${c.variable}$`);
      expect(report.error).toMatch(message);
      expect(r.stderr).toContain(`${c.api} API refused GET`);
      expect(r.stderr).toContain(`check ${c.variable}`);
      // Exactly one request to the refusing API: auth failures are not retried.
      const sim = c.api === 'org' ? h.org : h.secoda;
      expect(sim.requests).toHaveLength(1);
      expect(sim.requests[0]!.status).toBe(c.status);
      // Both APIs are read at once: the other read may have begun, and stopped (it only ever reads).
      const other = c.api === 'org' ? h.secoda : h.org;
      expect(other.requests.filter((q) => q.method !== 'GET')).toEqual([]);
      expect(h.writes()).toEqual([]);
      for (const secret of [WRONG_ORG, WRONG_SECODA, h.env.ORG_API_TOKEN!, h.env.SECODA_API_KEY!]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    });
  }
});

describe('credentials refused on a write', () => {
  it('Secoda 401 on the first invite: not retried, no further write is attempted, exit 1 naming SECODA_API_KEY', async () => {
    const h = await suite.start();
    seed(h);
    h.secoda.fault({ method: 'POST', kind: 'status', status: 401, times: 10 });
    const r = await h.run(['reconcile'], { MAX_CONCURRENCY: '1', RETRY_LIMIT: '5' });
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/^secoda API refused POST \S+: 401 Unauthorized — check SECODA_API_KEY \(stopped after it; 2 action\(s\) not attempted\)$/);
    expect(report.actions.map((a: any) => a.status)).toEqual(['failed', 'planned', 'planned']);
    expect(requestsTo(h.secoda.requests, 'POST')).toHaveLength(1);
    expect(h.secoda.users()).toHaveLength(1);
  });
});

/**
 * A 403 on one write is that user's refusal (Secoda will not delete the
 * workspace owner, say), not a bad key: the action fails with the API's
 * reason and every other write of the run still goes out — on every run.
 * Only several write 403s in a row, on different users, mean the key.
 */
describe('a 403 on one user is not a bad key', () => {
  const OWNER_REFUSAL = { status: 403, message: 'cannot delete the workspace owner' };
  // Deletes run first, in email order: boss@ (the owner) is the first write of the run.
  function seedWorkspace(h: FaultHarness) {
    h.org.seed([
      { email: 'root@acme.com', roles: ['admin'] },
      { email: 'up@acme.com', roles: ['admin'] },
      { email: 'down@acme.com', roles: ['analyst'] },
      { email: 'new1@acme.com', roles: ['analyst'] },
      { email: 'new2@acme.com', roles: ['developer'] },
    ]);
    h.secoda.seed([
      { email: 'boss@acme.com', role: 'admin' },
      { email: 'left1@acme.com', role: 'viewer' },
      { email: 'left2@acme.com', role: 'editor' },
      { email: 'root@acme.com', role: 'admin' },
      { email: 'up@acme.com', role: 'viewer' },
      { email: 'down@acme.com', role: 'editor' },
    ]);
  }
  const ENV = { MAX_CONCURRENCY: '1', MAX_DELETES: '10', MAX_DELETE_PERCENT: '100' };
  const refusalOf = (u: string) => new RegExp(`^secoda API refused (DELETE|PATCH|POST) \\S+: 403 Forbidden: ${u}$`);

  it("the owner's delete refused (403): every other delete, re-role and invite is applied, the refusal is reported with the API's reason, exit 1 — and again on the next run", async () => {
    const h = await suite.start({ secoda: { refuseWrites: { 'boss@acme.com': OWNER_REFUSAL } } });
    seedWorkspace(h);
    const r = await h.run(['reconcile'], ENV);
    expect(r.code, r.stderr).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.error).toBe('1 action(s) failed');
    expect(report.actions.map((a: any) => [a.type, a.email, a.status])).toEqual([
      ['delete', 'boss@acme.com', 'failed'],
      ['delete', 'left1@acme.com', 'succeeded'],
      ['delete', 'left2@acme.com', 'succeeded'],
      ['update_role', 'down@acme.com', 'succeeded'],
      ['update_role', 'up@acme.com', 'succeeded'],
      ['invite', 'new1@acme.com', 'succeeded'],
      ['invite', 'new2@acme.com', 'succeeded'],
    ]);
    expect(report.actions[0].error).toMatch(refusalOf('cannot delete the workspace owner'));
    // The refusal was not retried, and Secoda holds every other change.
    expect(requestsTo(h.secoda.requests, 'DELETE').map((q) => q.status)).toEqual([403, 204, 204]);
    expect(managedSecoda(h.secoda.users())).toEqual({
      'boss@acme.com': 'admin', 'root@acme.com': 'admin', 'up@acme.com': 'admin', 'down@acme.com': 'viewer',
      'new1@acme.com': 'viewer', 'new2@acme.com': 'editor',
    });

    // The next run is not blocked by it either: a newcomer is invited, the owner refused again.
    h.org.seed([{ email: 'new3@acme.com', roles: ['analyst'] }]);
    const again = await h.run(['reconcile'], ENV);
    expect(again.code, again.stderr).toBe(1);
    expect(again.json().actions.map((a: any) => [a.type, a.email, a.status])).toEqual([
      ['delete', 'boss@acme.com', 'failed'],
      ['invite', 'new3@acme.com', 'succeeded'],
    ]);
    expect(h.secoda.byEmail('new3@acme.com')).toBeDefined();
  });

  it('403s on different users with other outcomes between them: each fails alone, the run goes on', async () => {
    const refused = { status: 403, message: 'not allowed for this user' };
    const h = await suite.start({ secoda: { refuseWrites: { 'boss@acme.com': refused, 'left2@acme.com': refused, 'up@acme.com': refused } } });
    seedWorkspace(h);
    const r = await h.run(['reconcile'], ENV);
    expect(r.code, r.stderr).toBe(1);
    const report = r.json();
    expect(report.error).toBe('3 action(s) failed');
    expect(report.actions.map((a: any) => a.status)).toEqual(['failed', 'succeeded', 'failed', 'succeeded', 'failed', 'succeeded', 'succeeded']);
    expect(h.secoda.byEmail('new2@acme.com')).toBeDefined();
  });

  it('three write 403s in a row on different users: stopped as a key problem, the rest not attempted', async () => {
    const refused = { status: 403, message: 'You do not have permission to perform this action.' };
    const h = await suite.start({ secoda: { refuseWrites: { 'boss@acme.com': refused, 'left1@acme.com': refused, 'left2@acme.com': refused } } });
    seedWorkspace(h);
    const r = await h.run(['reconcile'], ENV);
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.error).toBe(
      'secoda API refused 3 writes in a row, each on a different user (403 Forbidden): taken as the key lacking write access, ' +
        'not those users — check SECODA_API_KEY (stopped after it; 4 action(s) not attempted)',
    );
    expect(report.actions.map((a: any) => a.status)).toEqual(['failed', 'failed', 'failed', 'planned', 'planned', 'planned', 'planned']);
    for (const a of report.actions.slice(0, 3)) expect(a.error).toMatch(refusalOf('You do not have permission to perform this action\\.'));
    expect(h.writes().map((w) => [w.method, w.status])).toEqual([['DELETE', 403], ['DELETE', 403], ['DELETE', 403]]);
  });
});
