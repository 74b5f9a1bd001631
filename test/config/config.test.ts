import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { ConfigError, loadSyncConfig, readEnv } from '../../src/config/load.js';
import { VARIABLES } from '../../src/config/variables.js';

const base = { ORG_API_URL: 'https://org.example.com/v1', ORG_API_TOKEN: 'org-token-123', SECODA_API_KEY: 'sec-key-456' };

function problems(env: Record<string, string>): string[] {
  try {
    loadSyncConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadSyncConfig(base);
    expect(c.secoda.url).toBe('https://api.secoda.co');
    expect(c.secoda.writeRate).toEqual({ limit: 30, windowMs: 60_000 });
    expect(c.secoda.readRate).toEqual({ limit: 10, windowMs: 1_000 });
    expect(c.org.rate).toEqual({ limit: 10, windowMs: 1_000 });
    expect(c.maxDeletes).toBe(25);
    expect(c.maxDeletePercent).toBe(20);
    expect(c.maxDemotions).toBe(25);
    expect(c.maxDemotionPercent).toBe(20);
    expect(c.orgRoleNames).toEqual(['admin', 'developer', 'analyst']);
    expect(c.secodaKeyOwner).toBeUndefined();
    expect(c.maxConcurrency).toBe(4);
    expect(c.retryLimit).toBe(5);
    expect(c.httpTimeoutMs).toBe(30_000);
    expect(c.defaultRole).toBe('viewer');
    expect(c.roleMap.map((p) => `${p.from}:${p.to}`)).toEqual(['admin:admin', 'developer:editor', 'analyst:viewer']);
    expect(c.dataDir).toBe('./.data');
    expect(c.secodaRefreshMs).toBe(3_600_000);
  });

  it('SECODA_REFRESH: a duration, or 0 for a full read every run; anything else names itself', () => {
    expect(loadSyncConfig({ ...base, SECODA_REFRESH: '15m' }).secodaRefreshMs).toBe(900_000);
    expect(loadSyncConfig({ ...base, SECODA_REFRESH: '0' }).secodaRefreshMs).toBe(0);
    expect(loadSyncConfig({ ...base, SECODA_REFRESH: '0s' }).secodaRefreshMs).toBe(0);
    for (const bad of ['-1h', 'hourly', '1d']) {
      expect(problems({ SECODA_REFRESH: bad })).toEqual([expect.stringMatching(/^SECODA_REFRESH must be a duration like "1h", "15m" or "90s", or 0 to read the whole list every run/)]);
    }
  });

  it('names every missing required variable at once', () => {
    try {
      loadSyncConfig({});
      expect.unreachable();
    } catch (err) {
      const text = (err as Error).message;
      for (const name of ['ORG_API_URL', 'ORG_API_TOKEN', 'SECODA_API_KEY']) expect(text).toContain(name);
    }
  });

  it('names the bad variable for malformed values', () => {
    expect(problems({ SECODA_WRITE_RATE: '30 per minute' })[0]).toMatch(/^SECODA_WRITE_RATE must look like/);
    expect(problems({ MAX_DELETES: '-1' })[0]).toMatch(/^MAX_DELETES must be a whole number/);
    expect(problems({ MAX_DELETE_PERCENT: '120' })[0]).toMatch(/^MAX_DELETE_PERCENT/);
    expect(problems({ ROLE_MAP: 'admin:owner' })[0]).toMatch(/^ROLE_MAP maps "admin" to "owner"/);
    expect(problems({ ROLE_MAP: 'admin' })[0]).toMatch(/^ROLE_MAP has a malformed entry/);
    expect(problems({ DEFAULT_ROLE: 'guest' })[0]).toMatch(/^DEFAULT_ROLE must be one of/);
    expect(problems({ HTTP_TIMEOUT: 'soon' })[0]).toMatch(/^HTTP_TIMEOUT/);
    expect(problems({ MAX_CONCURRENCY: '0' })[0]).toMatch(/^MAX_CONCURRENCY must be at least 1/);
    expect(problems({ DATABASE_URL: 'mysql://u:p@h/db' })[0]).toMatch(/^DATABASE_URL must start with postgres/);
    expect(problems({ PROTECTED_EMAILS: 'ceo' })[0]).toMatch(/^PROTECTED_EMAILS/);
    expect(problems({ LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL/);
  });

  it('ROLE_MAP may only name org roles the API knows (admin, developer, analyst, and ORG_ROLE_NAMES): a typo names the entry', () => {
    const typo = problems({ ROLE_MAP: 'admin:admin,devloper:editor,analyst:viewer' });
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatch(/^ROLE_MAP has an entry "devloper:editor" naming an org role the org API does not know \(known: admin, developer, analyst\)/);
    expect(typo[0]).toContain('ORG_ROLE_NAMES');
    expect(problems({ ROLE_MAP: 'Admin:admin,steward:editor,auditor:viewer' })[0]).toMatch(/entries "steward:editor", "auditor:viewer"/);
    const extended = loadSyncConfig({ ...base, ORG_ROLE_NAMES: ' Steward , auditor', ROLE_MAP: 'admin:admin,steward:editor,auditor:viewer' });
    expect(extended.roleMap.map((p) => p.from)).toEqual(['admin', 'steward', 'auditor']);
    expect(extended.orgRoleNames).toEqual(['admin', 'developer', 'analyst', 'steward', 'auditor']);
    expect(problems({ ORG_ROLE_NAMES: 'a:b' })[0]).toMatch(/^ORG_ROLE_NAMES has "a:b"/);
  });

  it('refuses DEFAULT_ROLE=admin and says why', () => {
    expect(problems({ DEFAULT_ROLE: 'Admin' })).toEqual([expect.stringMatching(/^DEFAULT_ROLE must not be admin: every member whose org roles map to nothing .* would become a Secoda admin/)]);
    expect(loadSyncConfig({ ...base, DEFAULT_ROLE: 'editor' }).defaultRole).toBe('editor');
  });

  it('refuses values that would only fail later', () => {
    expect(problems({ HTTP_TIMEOUT: '0.4ms' })).toEqual(['HTTP_TIMEOUT must be at least 1ms (got "0.4ms")']);
    expect(loadSyncConfig({ ...base, HTTP_TIMEOUT: '1ms' }).httpTimeoutMs).toBe(1);
    expect(problems({ HTTP_TIMEOUT: '600h' })[0]).toMatch(/^HTTP_TIMEOUT must be at most 24 days/);
    expect(problems({ RETRY_LIMIT: '1000' })[0]).toMatch(/^RETRY_LIMIT must be at most 20/);
    expect(loadSyncConfig({ ...base, RETRY_LIMIT: '20' }).retryLimit).toBe(20);
    expect(problems({ MAX_DELETES: '99999999999999999999' })[0]).toMatch(/^MAX_DELETES is too large/);
    expect(problems({ SECODA_WRITE_RATE: '0/min' })[0]).toMatch(/^SECODA_WRITE_RATE must allow at least 1/);
    expect(problems({ ORG_RATE: '99999999999999999999/s' })[0]).toMatch(/^ORG_RATE is too large/);
    expect(problems({ ORG_API_URL: 'https://org.example.com/v1?tenant=acme' })[0]).toMatch(/^ORG_API_URL must not have a query/);
    expect(problems({ SECODA_API_URL: 'https://api.secoda.co/#eu' })[0]).toMatch(/^SECODA_API_URL must not have a query \(\?\.\.\.\) or fragment/);
    expect(problems({ MAX_DEMOTIONS: '-1' })[0]).toMatch(/^MAX_DEMOTIONS must be a whole number/);
    expect(problems({ MAX_DEMOTION_PERCENT: '101' })[0]).toMatch(/^MAX_DEMOTION_PERCENT must be a percentage/);
    expect(problems({ SECODA_KEY_OWNER: 'a@x.com,b@x.com' })[0]).toMatch(/^SECODA_KEY_OWNER must be one email/);
    expect(problems({ SECODA_KEY_OWNER: '@x.com' })[0]).toMatch(/^SECODA_KEY_OWNER must be one email/);
    expect(loadSyncConfig({ ...base, SECODA_KEY_OWNER: ' Keys@Acme.com ' }).secodaKeyOwner).toBe('Keys@Acme.com');
  });

  it('reports every problem of the configuration at once', () => {
    const all = problems({
      ROLE_MAP: 'admin:admin,devloper:editor', DEFAULT_ROLE: 'admin', HTTP_TIMEOUT: '0.2ms', MAX_CONCURRENCY: '0',
      SECODA_READ_RATE: '0/s', RETRY_LIMIT: '500', MAX_DEMOTION_PERCENT: '300', ORG_API_URL: 'https://o.example.com/?x=1',
    });
    expect(all.map((p) => p.split(' ')[0])).toEqual([
      'ORG_API_URL', 'SECODA_READ_RATE', 'ROLE_MAP', 'DEFAULT_ROLE', 'MAX_DEMOTION_PERCENT', 'MAX_CONCURRENCY', 'RETRY_LIMIT', 'HTTP_TIMEOUT',
    ]);
  });

  it('daemon: refuses a retention that overflows dates and a host that cannot be bound', () => {
    const daemonProblems = (env: Record<string, string>) => {
      try {
        loadDaemonConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(daemonProblems({ RUN_RETENTION_DAYS: '1000000000' })[0]).toMatch(/^RUN_RETENTION_DAYS must be at most 36500/);
    expect(daemonProblems({ HTTP_HOST: 'http://0.0.0.0:9464' })[0]).toMatch(/^HTTP_HOST must be an IP address or host name/);
    expect(daemonProblems({ HTTP_HOST: '::', RUN_RETENTION_DAYS: '365' })).toEqual([]);
    expect(loadDaemonConfig({ HTTP_HOST: 'sync_worker.internal' }).httpHost).toBe('sync_worker.internal');
  });

  it('never echoes credentials from a URL', () => {
    const p = problems({ ORG_API_URL: 'https://user:hunter22@org.example.com/v1' });
    expect(p[0]).toMatch(/^ORG_API_URL must not carry credentials/);
    expect(p.join()).not.toContain('hunter22');
  });

  it('parses rates, durations and DEFAULT_ROLE=none', () => {
    const c = loadSyncConfig({ ...base, SECODA_READ_RATE: '5/s', ORG_RATE: '100/h', HTTP_TIMEOUT: '500ms', DEFAULT_ROLE: 'none', SECODA_API_URL: 'https://eapi.secoda.co/' });
    expect(c.secoda.readRate).toEqual({ limit: 5, windowMs: 1_000 });
    expect(c.org.rate).toEqual({ limit: 100, windowMs: 3_600_000 });
    expect(c.httpTimeoutMs).toBe(500);
    expect(c.defaultRole).toBeNull();
    expect(c.secoda.url).toBe('https://eapi.secoda.co');
  });

  it('reads .env from the working directory, with real environment variables winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sus-env-'));
    try {
      writeFileSync(join(dir, '.env'), 'ORG_API_TOKEN=from-file\nMAX_DELETES=7\n');
      const env = readEnv({ MAX_DELETES: '9' }, dir);
      expect(env.ORG_API_TOKEN).toBe('from-file');
      expect(env.MAX_DELETES).toBe('9');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ORG_ROLES_FROM: auto by default, list or user (any case); anything else names the variable', () => {
    expect(loadSyncConfig(base).org.rolesFrom).toBe('auto');
    expect(loadSyncConfig({ ...base, ORG_ROLES_FROM: 'User' }).org.rolesFrom).toBe('user');
    expect(loadSyncConfig({ ...base, ORG_ROLES_FROM: 'list' }).org.rolesFrom).toBe('list');
    expect(problems({ ORG_ROLES_FROM: 'both' })).toEqual(['ORG_ROLES_FROM must be one of auto, list, user (got "both")']);
  });

  it('.env.example lists every variable with its default', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const v of VARIABLES) {
      const line = example.split('\n').find((l) => l.replace(/^#\s*/, '').startsWith(`${v.name}=`));
      expect(line, `${v.name} missing from .env.example`).toBeDefined();
      if (v.default) expect(line).toContain(`${v.name}=${v.default}`);
    }
  });
});
