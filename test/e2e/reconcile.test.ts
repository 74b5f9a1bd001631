import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A small organization and a drifted Secoda workspace. */
function seedDrift() {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    { email: 'Grace.Hopper@acme.com', name: 'Grace Brewster Hopper', roles: ['developer'] },
    { email: 'alan@acme.com', name: 'Alan Turing', roles: ['admin'] },
    { email: 'ada@acme.com', name: 'Ada Lovelace', roles: ['analyst'] },
    { email: 'linus@acme.com', name: 'Linus', roles: ['analyst'] },
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin', first_name: 'Root', last_name: 'Admin' },
    { email: 'alan@acme.com', role: 'viewer' },
    { email: 'ada@acme.com', role: 'editor' },
    { email: 'linus@acme.com', role: 'viewer', pending: true },
    { email: 'left@acme.com', role: 'editor' },
    { email: 'bot@acme.com', role: 'admin', is_service_account: true },
    { email: 'visitor@partner.com', role: 'guest' },
  ]);
}

describe('reconcile', () => {
  it('--dry-run shows exactly the plan and sends no write to either API', async () => {
    seedDrift();
    const before = h.secoda.users();
    const r = await h.run(['reconcile', '--dry-run']);
    expect(r.code).toBe(0);
    const report = r.json();
    expect(report.mode).toBe('dry-run');
    expect(report.status).toBe('succeeded');
    expect(report.actions.map((a: any) => [a.type, a.email, a.from ?? null, a.to ?? null, a.status])).toEqual([
      ['delete', 'left@acme.com', 'editor', null, 'planned'],
      ['update_role', 'ada@acme.com', 'editor', 'viewer', 'planned'],
      ['update_role', 'alan@acme.com', 'viewer', 'admin', 'planned'],
      ['invite', 'Grace.Hopper@acme.com', null, 'editor', 'planned'],
    ]);
    expect(report.summary).toEqual({ invite: 1, update_role: 2, delete: 1, unchanged: 2, skipped: 2, failed: 0, withheld: 0, deferred: 0, update_name: 0, group: 0, group_added: 0, group_removed: 0 });
    expect(report.source).toEqual({ users: 5 });
    expect(report.target).toEqual({ users: 7, managed: 5 });
    expect(report.skipped).toEqual([
      { email: 'bot@acme.com', reason: 'service account' },
      { email: 'visitor@partner.com', reason: 'guest' },
    ]);
    expect(h.writes()).toEqual([]);
    expect(h.secoda.users()).toEqual(before);
  });

  it('applies the plan, and a second run right after plans nothing and sends no write', async () => {
    seedDrift();
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().actions.every((a: any) => a.status === 'succeeded')).toBe(true);
    const users = Object.fromEntries(h.secoda.users().map((u) => [u.email.toLowerCase(), u]));
    expect(users['left@acme.com']).toBeUndefined();
    expect(users['ada@acme.com']!.role).toBe('viewer');
    expect(users['alan@acme.com']!.role).toBe('admin');
    expect(users['grace.hopper@acme.com']).toMatchObject({ first_name: 'Grace', last_name: 'Brewster Hopper', role: 'editor' });
    expect(users['bot@acme.com']).toBeDefined();
    expect(users['visitor@partner.com']).toBeDefined();
    // Access is revoked before it is granted.
    expect(h.writes().map((w) => w.method)).toEqual(['DELETE', 'PATCH', 'PATCH', 'POST']);

    h.org.resetLog();
    h.secoda.resetLog();
    const again = await h.run(['reconcile']);
    expect(again.code).toBe(0);
    expect(again.json().actions).toEqual([]);
    expect(again.json().summary.unchanged).toBe(5);
    expect(h.writes()).toEqual([]);
  });

  it('report re-renders a past run from the database, in every format', async () => {
    seedDrift();
    const first = await h.run(['reconcile', '--dry-run']);
    const applied = await h.run(['reconcile']);
    const latest = await h.run(['report']);
    expect(latest.code).toBe(0);
    expect(latest.json()).toEqual(applied.json());
    const byId = await h.run(['report', String(first.json().runId), '--format', 'json']);
    expect(byId.json()).toEqual(first.json());
    const md = await h.run(['report', '--format', 'markdown']);
    expect(md.stdout).toContain('| # | action | email |');
    expect(md.stdout).toContain('| 1 | delete | left@acme.com |');
    const table = await h.run(['report', '--format', 'table']);
    expect(table.stdout).toMatch(/Run \d+ — apply — SUCCEEDED/);
    expect(table.stdout).toMatch(/update_role\s+alan@acme.com\s+Alan Turing\s+viewer -> admin\s+succeeded/);
    const missing = await h.run(['report', '9999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No run 9999');
  });

  it('--out writes the report to a file, format from the extension', async () => {
    seedDrift();
    const r = await h.run(['reconcile', '--dry-run', '--out', 'plan.md']);
    expect(r.code).toBe(0);
    const file = join(h.cwd, 'plan.md');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('### secoda-user-sync: Run');
    expect(r.json().mode).toBe('dry-run');
  });

  it('never invites a pending user twice, and leaves service accounts, guests, disabled and protected users alone', async () => {
    h.org.seed([
      { email: 'root@acme.com', roles: ['admin'] },
      { email: 'pending@acme.com', roles: ['analyst'] },
      { email: 'off@acme.com', roles: ['developer'] },
    ]);
    h.secoda.seed([
      { email: 'root@acme.com', role: 'admin' },
      { email: 'pending@acme.com', role: 'viewer', pending: true },
      { email: 'off@acme.com', role: 'viewer', disabled: true },
      { email: 'ceo@acme.com', role: 'admin' },
      { email: 'x@board.org', role: 'viewer' },
    ]);
    const r = await h.run(['reconcile'], { PROTECTED_EMAILS: 'CEO@acme.com,@board.org' });
    expect(r.code).toBe(0);
    expect(r.json().actions).toEqual([]);
    expect(r.json().skipped.map((s: any) => s.email)).toEqual(['ceo@acme.com', 'off@acme.com', 'x@board.org']);
    expect(h.writes()).toEqual([]);
  });

  it('records every run and action in the database', async () => {
    seedDrift();
    await h.run(['reconcile']);
    const store = await h.store();
    {
      const run = (await store.latestRun())!;
      expect(run).toMatchObject({ mode: 'apply', status: 'succeeded', sourceUsers: 5, targetUsers: 7, targetManaged: 5 });
      expect(run.finishedAt).toBeInstanceOf(Date);
      const actions = await store.listActions(run.id);
      expect(actions.map((a) => [a.type, a.status, a.httpStatus])).toEqual([
        ['delete', 'succeeded', 204], ['update_role', 'succeeded', 200], ['update_role', 'succeeded', 200], ['invite', 'succeeded', 201],
      ]);
      expect(actions.every((a) => a.startedAt && a.finishedAt)).toBe(true);
      expect(await store.countOrgSnapshot(run.id)).toBe(5);
      // The snapshot holds the last known Secoda state, writes included.
      const snapshot = (await store.listSecodaSnapshot()).map((u) => `${u.email.toLowerCase()}:${u.role}`).sort();
      expect(snapshot).toEqual(h.secoda.users().map((u) => `${u.email.toLowerCase()}:${u.role}`).sort());
    }
  });
});

describe('command line', () => {
  it('a bad env variable names itself and exits 2 before any request', async () => {
    const r = await h.run(['reconcile'], { SECODA_WRITE_RATE: 'fast', MAX_DELETES: '-3' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SECODA_WRITE_RATE');
    expect(r.stderr).toContain('MAX_DELETES');
    expect(h.org.requests).toEqual([]);
    expect(h.secoda.requests).toEqual([]);
  });

  it('a missing required variable and a bad ROLE_MAP exit 2', async () => {
    expect((await h.run(['reconcile'], { SECODA_API_KEY: '' })).stderr).toContain('SECODA_API_KEY is not set');
    const bad = await h.run(['reconcile', '--dry-run'], { ROLE_MAP: 'admin:superuser' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ROLE_MAP');
    expect(h.secoda.requests).toEqual([]);
  });

  it('bad flags exit 2 with a pointer to --help', async () => {
    for (const args of [['reconcile', '--dry'], ['reconcile', '--format', 'xml'], ['reconcile', '--max-deletes', '-1'], ['report', 'abc'], ['frobnicate']]) {
      const r = await h.run(args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(h.secoda.requests).toEqual([]);
  });

  it('--help on every command lists its flags and the env variables', async () => {
    for (const cmd of ['reconcile', 'report', 'migrate']) {
      const r = await h.run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`secoda-user-sync ${cmd}`);
      expect(r.stdout).toContain('DATABASE_URL');
    }
    const rec = await h.run(['reconcile', '--help']);
    for (const text of ['--dry-run', '--format', '--out', '--max-deletes', 'SECODA_API_KEY', 'MAX_DELETE_PERCENT']) expect(rec.stdout).toContain(text);
  });

  it('migrate creates the schema and can run again', async () => {
    // `migrate` opens the database itself, as the real CLI does.
    const own = await startHarness({ reopenStore: true });
    try {
      expect((await own.run(['migrate'])).code).toBe(0);
      expect((await own.run(['migrate'])).code).toBe(0);
    } finally {
      await own.close();
    }
  });
});
