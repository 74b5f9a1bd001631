/**
 * Secrets under faults: servers that echo the key back in error bodies, HTML
 * pages and 5xx answers; trace-level logs; report files; a database URL with
 * a password (a real role with a password when TEST_DATABASE_URL is set).
 * The afterAll of every file in test/faults scans all output and every table;
 * this file adds the hostile cases.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { testServerUrl } from '../helpers/db.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { dumpDatabase, ORG_TOKEN, SECODA_KEY, useFaultSuite } from './support.js';

const suite = useFaultSuite('secrets', { warp: true });
const TRACE = { LOG_LEVEL: 'trace', RETRY_LIMIT: '1', MAX_CONCURRENCY: '1' };

function seed(h: Harness) {
  h.org.seed([
    { email: 'root@acme.com', roles: ['admin'] },
    { email: 'new1@acme.com', roles: ['analyst'] },
    { email: 'new2@acme.com', roles: ['developer'] },
    // Upgrades (viewer -> editor): eight demotions of ten would be held by the mass-demotion guard.
    ...Array.from({ length: 8 }, (_, i) => ({ email: `same${i}@acme.com`, roles: ['developer'] })),
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    { email: 'left@acme.com', role: 'viewer' },
    ...Array.from({ length: 8 }, (_, i) => ({ email: `same${i}@acme.com`, role: 'viewer' })),
  ]);
}

/** Bodies a careless server (or proxy) might send back, quoting what it was sent. */
const echo = (secret: string) => [
  JSON.stringify({ detail: `invalid token ${secret}` }),
  JSON.stringify({ detail: `Authorization: Bearer ${secret} rejected`, url: `https://api.example.com/x?api_key=${secret}&page=1` }),
  `<html><body>upstream said: ${secret}</body></html>`,
];

describe('servers that echo the credentials back', () => {
  it('in a 400 to an invite, a 400 to a PATCH, a 5xx to a DELETE: errors are recorded without the key', async () => {
    const h = await suite.start();
    seed(h);
    const [plain, bearer, html] = echo(SECODA_KEY);
    h.secoda.fault({ method: 'POST', kind: 'status', status: 400, body: plain! });
    h.secoda.fault({ method: 'POST', kind: 'status', status: 422, body: bearer! });
    h.secoda.fault({ method: 'PATCH', kind: 'status', status: 400, body: bearer! });
    h.secoda.fault({ method: 'DELETE', kind: 'status', status: 502, body: html!, contentType: 'text/html', times: 2 });
    const r = await h.run(['reconcile', '--out', 'report.json'], TRACE);
    expect(r.code).toBe(1);
    const failed = r.json().actions.filter((a: any) => a.status === 'failed');
    expect(failed.map((a: any) => a.type).sort()).toEqual(['delete', 'invite', 'invite', 'update_role']);
    // The server's reason is kept (useful), the key is not.
    expect(failed.find((a: any) => a.type === 'delete').error).toMatch(/502 Bad Gateway after 2 attempts: <html><body>upstream said: /);
    await h.run(['report', '--format', 'markdown']);
    await h.run(['report', '--list', '--format', 'json']);
  });

  it('in a 5xx and a 404 to a list read, and in an HTML page with 200: the run error holds no key', async () => {
    const h = await suite.start();
    seed(h);
    const [plain, bearer] = echo(ORG_TOKEN);
    h.org.fault({ method: 'GET', path: '/organization/users', kind: 'status', status: 500, body: bearer!, times: 2 });
    const first = await h.run(['reconcile', '--out', 'first.md'], TRACE);
    expect(first.code).toBe(1);
    expect(first.json().error).toMatch(/org API answered GET .*: 500 Internal Server Error after 2 attempts/);

    h.org.fault({ method: 'GET', path: '/organization/users', kind: 'status', status: 404, body: plain! });
    const second = await h.run(['reconcile', '--dry-run'], TRACE);
    expect(second.code).toBe(1);
    expect(second.json().error).toMatch(/org API answered GET .*: 404 Not Found: /);

    h.secoda.fault({ method: 'GET', kind: 'html', status: 200 });
    h.secoda.fault({ method: 'GET', kind: 'body', status: 200, body: echo(SECODA_KEY)[2]!, contentType: 'text/html' });
    const third = await h.run(['reconcile'], TRACE);
    expect(third.code).toBe(1);
    const fourth = await h.run(['reconcile'], TRACE);
    expect(fourth.code).toBe(1);
    expect(fourth.json().error).toMatch(/secoda API sent a response that is not valid JSON .* body starts "<html><body>upstream said: /);
    await h.run(['report', '--list'], TRACE);
  });
});

describe('database URL with a password', () => {
  it('an unreachable database: the error names the host, never the password', async () => {
    const h = await suite.start();
    const password = `pw-${randomBytes(6).toString('hex')}`;
    suite.collector.secret(password);
    const url = `postgres://sync_user:${password}@127.0.0.1:1/sync`;
    for (const args of [['reconcile'], ['report'], ['migrate'], ['report', '--list']]) {
      const r = await h.run(args, { DATABASE_URL: url, LOG_LEVEL: 'trace' });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/127\.0\.0\.1/);
      expect(r.stderr + r.stdout).not.toContain(password);
    }
  });

  it.skipIf(!testServerUrl())('Postgres: a role with a password, faults on both APIs: no output and no table holds the password', async () => {
    const server = testServerUrl()!;
    const suffix = randomBytes(5).toString('hex');
    const role = `sus_pw_${suffix}`;
    const database = `sus_pw_db_${suffix}`;
    // Characters a URL must encode, so the encoded form is checked too.
    const password = `Pw:${suffix}/s@cret#1`;
    suite.collector.secret(password);
    suite.collector.secret(encodeURIComponent(password));
    const admin = postgres(server, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role "${role}" login password '${password.replace(/'/g, "''")}'`);
    await admin.unsafe(`create database "${database}" owner "${role}"`);
    const u = new URL(server);
    u.username = role;
    u.password = encodeURIComponent(password);
    u.pathname = `/${database}`;
    const url = u.toString();
    try {
      const h = await suite.start();
      seed(h);
      h.secoda.fault({ method: 'GET', kind: 'status', status: 503 });
      h.secoda.fault({ method: 'POST', kind: 'status', status: 400, body: echo(SECODA_KEY)[0]! });
      const env = { ...TRACE, DATABASE_URL: url };
      const r = await h.run(['reconcile', '--out', 'pg.json'], env);
      expect(r.code).toBe(1);
      expect((await h.run(['reconcile', '--dry-run'], env)).code).toBe(0);
      expect((await h.run(['report', '--list', '--format', 'json'], env)).code).toBe(0);
      expect((await h.run(['report', '--format', 'markdown'], env)).code).toBe(0);
      // A database that does not exist, with the right password: the error names it, not the password.
      const missing = new URL(url);
      missing.pathname = `/${database}_missing`;
      const bad = await h.run(['reconcile'], { ...env, DATABASE_URL: missing.toString() });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`${database}_missing`);

      const before = suite.collector.counts.rows;
      const raw = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await dumpDatabase(suite.collector, 'postgres role', (text) => raw.unsafe(text));
      } finally {
        await raw.end({ timeout: 5 });
      }
      expect(suite.collector.counts.rows - before).toBeGreaterThan(10);
    } finally {
      await admin.unsafe(`drop database if exists "${database}" with (force)`);
      await admin.unsafe(`drop role if exists "${role}"`);
      await admin.end({ timeout: 5 });
    }
  });
});

describe('report: a last line of defence', () => {
  it('scrubs the API keys of its environment from recorded text (e.g. rows written by an older version)', async () => {
    // Not a suite harness: this database holds a planted key on purpose and is not part of the scan.
    const h = await startHarness();
    try {
      seed(h);
      expect((await h.run(['reconcile', '--dry-run'])).code).toBe(0);
      const store = await h.store();
      const run = (await store.latestRun())!;
      await store.updateRun(run.id, { error: `planted: ${SECODA_KEY} and ${ORG_TOKEN}` });
      for (const args of [['report'], ['report', '--format', 'markdown'], ['report', '--list', '--format', 'json']]) {
        const r = await h.run(args);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('planted: ***');
        expect(r.stdout).not.toContain(SECODA_KEY);
        expect(r.stdout).not.toContain(ORG_TOKEN);
      }
    } finally {
      await h.close();
    }
  });
});

describe('the scan itself', () => {
  it('finds a planted secret (so a clean scan means something)', () => {
    const probe = new (suite.collector.constructor as any)();
    probe.add('probe', `a line with ${SECODA_KEY} in it`);
    probe.add('probe encoded', `x=${encodeURIComponent(ORG_TOKEN)}`);
    expect(probe.hits()).toHaveLength(2);
    expect(suite.collector.counts.outputs).toBeGreaterThan(5);
    expect(suite.collector.counts.files).toBeGreaterThanOrEqual(2);
  });
});
