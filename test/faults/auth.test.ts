/**
 * 401 and 403 from each API: never retried, exit 1, a message naming the API
 * that refused and the variable to check — and never the key itself.
 */
import { describe, expect, it } from 'vitest';
import { requestsTo, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('auth');

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
      if (c.api === 'org') expect(h.secoda.requests).toEqual([]);
      expect(h.writes()).toEqual([]);
      for (const secret of [WRONG_ORG, WRONG_SECODA, h.env.ORG_API_TOKEN!, h.env.SECODA_API_KEY!]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    });
  }
});

describe('credentials refused on a write', () => {
  for (const status of [401, 403] as const) {
    it(`Secoda ${status} on the first invite: not retried, no further write is attempted, exit 1 naming SECODA_API_KEY`, async () => {
      const h = await suite.start();
      seed(h);
      h.secoda.fault({ method: 'POST', kind: 'status', status, times: 10 });
      const r = await h.run(['reconcile'], { MAX_CONCURRENCY: '1', RETRY_LIMIT: '5' });
      expect(r.code).toBe(1);
      const report = r.json();
      expect(report.status).toBe('failed');
      expect(report.error).toMatch(new RegExp(`^secoda API refused POST \\S+: ${status} \\w+ — check SECODA_API_KEY \\(stopped after it; 2 action\\(s\\) not attempted\\)$`));
      expect(report.actions.map((a: any) => a.status)).toEqual(['failed', 'planned', 'planned']);
      expect(requestsTo(h.secoda.requests, 'POST')).toHaveLength(1);
      expect(h.secoda.users()).toHaveLength(1);
    });
  }
});
