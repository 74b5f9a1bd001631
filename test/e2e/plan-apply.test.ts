/**
 * Reviewed plans end to end, on real HTTP and a real database:
 * `reconcile --dry-run --out plan.json`, a person edits the file, and
 * `apply plan.json` makes exactly what the file and a fresh plan both hold.
 */
import { readFileSync, writeFileSync } from 'node:fs';
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

function seedDrift() {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    { email: 'grace@acme.com', name: 'Grace Hopper', roles: ['developer'] },
    { email: 'alan@acme.com', name: 'Alan Turing', roles: ['admin'] },
    { email: 'ada@acme.com', name: 'Ada Lovelace', roles: ['analyst'] },
  ]);
  h.secoda.seed([
    { id: 'root', email: 'root@acme.com', role: 'admin' },
    { id: 'alan', email: 'alan@acme.com', role: 'viewer' },
    { id: 'ada', email: 'ada@acme.com', role: 'editor' },
    { id: 'left', email: 'left@acme.com', role: 'editor' },
  ]);
}

const planPath = () => join(h.cwd, 'plan.json');
const readPlanFile = () => JSON.parse(readFileSync(planPath(), 'utf8'));
const writePlanFile = (plan: unknown) => writeFileSync(planPath(), typeof plan === 'string' ? plan : JSON.stringify(plan, null, 2));
const rows = (report: any) => report.actions.map((a: any) => [a.type, a.email, a.status]);

async function dryRunPlan() {
  const r = await h.run(['reconcile', '--dry-run', '--out', 'plan.json']);
  expect([0, 3], r.stderr).toContain(r.code);
  return readPlanFile();
}

describe('reconcile --dry-run --out plan.json', () => {
  it('writes the report as a plan: format version, creation time, the workspace and org API, every action', async () => {
    seedDrift();
    const plan = await dryRunPlan();
    expect(plan.plan).toEqual({
      format: 'secoda-user-sync plan', version: 1, createdAt: plan.startedAt, workspace: h.secoda.url.replace(/\/+$/, ''), orgApi: h.org.url.replace(/\/+$/, ''),
    });
    expect(rows(plan)).toEqual([
      ['delete', 'left@acme.com', 'planned'],
      ['update_role', 'ada@acme.com', 'planned'],
      ['update_role', 'alan@acme.com', 'planned'],
      ['invite', 'grace@acme.com', 'planned'],
    ]);
    const table = await h.run(['report', String(plan.runId), '--format', 'table']);
    expect(table.stdout).toContain(`plan for Secoda "${plan.plan.workspace}" and org API "${plan.plan.orgApi}"`);
    expect(h.writes()).toEqual([]);
  });
});

describe('apply PLAN_FILE', () => {
  it('an untouched plan is applied in full (exit 0), as a run of mode apply-plan naming the dry run', async () => {
    seedDrift();
    const plan = await dryRunPlan();
    const r = await h.run(['apply', 'plan.json']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(report).toMatchObject({ mode: 'apply-plan', planRun: plan.runId, status: 'succeeded' });
    expect(rows(report).map((x: string[]) => x[2])).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(h.secoda.byEmail('left@acme.com')).toBeUndefined();
    expect(h.secoda.byEmail('grace@acme.com')?.role).toBe('editor');
  });

  it('approves part of a plan: actions deleted from the file are not reviewed and not made (exit 3)', async () => {
    seedDrift();
    const plan = await dryRunPlan();
    plan.actions = plan.actions.filter((a: any) => a.type !== 'delete' && a.email !== 'grace@acme.com');
    writePlanFile(plan);
    const r = await h.run(['apply', 'plan.json']);
    expect(r.code, r.stderr).toBe(3);
    const report = r.json();
    expect(report.status).toBe('held');
    expect(rows(report)).toEqual([
      ['delete', 'left@acme.com', 'not_reviewed'],
      ['update_role', 'ada@acme.com', 'succeeded'],
      ['update_role', 'alan@acme.com', 'succeeded'],
      ['invite', 'grace@acme.com', 'not_reviewed'],
    ]);
    expect(report.summary).toMatchObject({ not_reviewed: 2 });
    expect(report.summary.stale ?? 0).toBe(0);
    expect(report.holds).toEqual([expect.stringContaining('2 action(s) the sync would do now are not in the plan file (not reviewed)')]);
    expect(h.writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      'PATCH /api/v1/user/ada/', 'PATCH /api/v1/user/alan/',
    ]);
    // Every format says so.
    const table = await h.run(['report', String(report.runId), '--format', 'table']);
    expect(table.stdout).toMatch(/apply of the reviewed plan of run \d+ — HELD/);
    expect(table.stdout).toContain('not reviewed');
    expect(table.stdout).toContain('stale 0, not reviewed 2');
    const md = await h.run(['report', String(report.runId), '--format', 'markdown']);
    expect(md.stdout).toContain('| not reviewed |');
    expect(md.stdout).toContain('Reviewed plan: stale 0, not reviewed 2');
  });

  it('an action added to the file, or one whose role was edited, is never executed: it is stale', async () => {
    seedDrift();
    const plan = await dryRunPlan();
    plan.actions.push({ type: 'delete', email: 'root@acme.com', secodaId: 'root', from: 'admin', status: 'planned' });
    plan.actions.find((a: any) => a.email === 'grace@acme.com').to = 'admin';
    writePlanFile(plan);
    const r = await h.run(['apply', 'plan.json']);
    expect(r.code, r.stderr).toBe(3);
    const report = r.json();
    expect(rows(report)).toEqual([
      ['delete', 'left@acme.com', 'succeeded'],
      ['update_role', 'ada@acme.com', 'succeeded'],
      ['update_role', 'alan@acme.com', 'succeeded'],
      ['invite', 'grace@acme.com', 'not_reviewed'],
      ['invite', 'grace@acme.com', 'stale'],
      ['delete', 'root@acme.com', 'stale'],
    ]);
    expect(report.actions.find((a: any) => a.status === 'stale' && a.type === 'invite').to).toBe('admin');
    expect(h.secoda.byId('root')?.role).toBe('admin');
    expect(h.secoda.byEmail('grace@acme.com')).toBeUndefined();
    expect(h.writes().some((w) => w.method === 'POST' || w.path.includes('/root/'))).toBe(false);
  });

  it('a change between the dry run and the apply makes an action stale (not applied) and the new one not reviewed', async () => {
    seedDrift();
    await dryRunPlan();
    // Someone sets ada's role by hand: the planned editor -> viewer no longer matches.
    h.secoda.update('ada', { role: 'admin' });
    const r = await h.run(['apply', 'plan.json']);
    expect(r.code, r.stderr).toBe(3);
    const report = r.json();
    const ada = report.actions.filter((a: any) => a.email === 'ada@acme.com').map((a: any) => [a.from, a.to, a.status]);
    expect(ada).toEqual([['admin', 'viewer', 'not_reviewed'], ['editor', 'viewer', 'stale']]);
    expect(report.summary).toMatchObject({ stale: 1, not_reviewed: 1 });
    expect(h.secoda.byId('ada')?.role).toBe('admin');
    expect(h.secoda.byEmail('left@acme.com')).toBeUndefined();
  });

  describe('refused before any write (exit 2)', () => {
    async function refused(args: string[], env: Record<string, string> = {}) {
      const requestsBefore = h.secoda.requests.length + h.org.requests.length;
      const r = await h.run(args, env);
      expect(r.code, r.stdout).toBe(2);
      expect(h.writes()).toEqual([]);
      expect(h.secoda.requests.length + h.org.requests.length).toBe(requestsBefore);
      return r.stderr;
    }
    /** No run was recorded but the dry run that made the plan. */
    const onlyTheDryRun = async () => expect((await h.run(['report', '--list', '--format', 'json'])).json()).toHaveLength(1);

    it('a plan older than PLAN_MAX_AGE', async () => {
      seedDrift();
      const plan = await dryRunPlan();
      plan.plan.createdAt = new Date(Date.now() - 25 * 3_600_000).toISOString();
      writePlanFile(plan);
      expect(await refused(['apply', 'plan.json'])).toMatch(/the plan was made 25h00m ago .* longer than PLAN_MAX_AGE=24h00m allows/);
      expect(await refused(['apply', 'plan.json'], { PLAN_MAX_AGE: '1h' })).toContain('PLAN_MAX_AGE=1h00m');
      writePlanFile({ ...plan, plan: { ...plan.plan, createdAt: new Date(Date.now() + 3_600_000).toISOString() } });
      expect(await refused(['apply', 'plan.json'])).toContain('in the future');
      await onlyTheDryRun();
      writePlanFile(plan);
      // A longer PLAN_MAX_AGE lets it through.
      expect((await h.run(['apply', 'plan.json'], { PLAN_MAX_AGE: '26h' })).code).toBe(0);
    });

    it('a plan made for another workspace or org API', async () => {
      seedDrift();
      const plan = await dryRunPlan();
      expect(await refused(['apply', 'plan.json'], { SECODA_API_URL: 'https://eapi.secoda.co' }))
        .toContain(`made for the Secoda workspace "${plan.plan.workspace}", but SECODA_API_URL is "https://eapi.secoda.co"`);
      expect(await refused(['apply', 'plan.json'], { ORG_API_URL: 'https://org.example.com/v1' }))
        .toContain('but ORG_API_URL is "https://org.example.com/v1"');
      await onlyTheDryRun();
    });

    it('a file that is not a plan: garbage, an apply report, a plan of a newer format, an unknown action type', async () => {
      seedDrift();
      const plan = await dryRunPlan();
      writePlanFile('{"runId": 1, "actions": [');
      expect(await refused(['apply', 'plan.json'])).toContain('plan.json: not a plan file (not JSON)');
      await onlyTheDryRun();
      writePlanFile({ ...plan, mode: 'apply', plan: undefined });
      expect(await refused(['apply', 'plan.json'])).toContain(`the report of run ${plan.runId} (apply), not a plan`);
      writePlanFile({ ...plan, plan: { ...plan.plan, version: 2 } });
      expect(await refused(['apply', 'plan.json'])).toContain('plan format version 2 is not one this version reads');
      writePlanFile({ ...plan, actions: [{ type: 'make_admin', email: 'x@acme.com' }] });
      expect(await refused(['apply', 'plan.json'])).toContain('action #1 has type "make_admin"');
      expect(await refused(['apply', 'missing.json'])).toContain('cannot read the plan file missing.json: ENOENT');
    });
  });

  it('the file lifts the mass-delete guard for its deletes; the data rails still hold', async () => {
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, { email: 'ada@acme.com', roles: ['analyst'] }]);
    h.secoda.seed([
      { id: 'root', email: 'root@acme.com', role: 'admin' },
      { id: 'ada', email: 'ada@acme.com', role: 'viewer' },
      { id: 'l1', email: 'l1@acme.com', role: 'viewer' },
      { id: 'l2', email: 'l2@acme.com', role: 'viewer' },
      { id: 'l3', email: 'l3@acme.com', role: 'viewer' },
    ]);
    const plan = await dryRunPlan();
    expect(plan.holds).toEqual([expect.stringContaining('mass-delete guard: 3 deletes planned')]);
    expect(rows(plan).map((x: string[]) => x[2])).toEqual(['withheld', 'withheld', 'withheld']);

    // A data rail: the source now has an invalid record. The reviewed deletes stay withheld.
    h.org.seedRaw([{ id: 'bad', email: 12345, name: 'Numeric', roles: ['analyst'] }]);
    const railed = await h.run(['apply', 'plan.json']);
    expect(railed.code, railed.stderr).toBe(1);
    expect(rows(railed.json()).map((x: string[]) => x[2])).toEqual(['withheld', 'withheld', 'withheld']);
    expect(railed.json().holds.join('\n')).not.toContain('mass-delete');
    expect(h.writes()).toEqual([]);

    h.org.remove('bad');
    const r = await h.run(['apply', 'plan.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.json()).map((x: string[]) => x[2])).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(h.secoda.users().map((u) => u.email).sort()).toEqual(['ada@acme.com', 'root@acme.com']);
  });

  it('the last-admin rail holds a reviewed delete', async () => {
    h.org.seed([{ email: 'ada@acme.com', roles: ['analyst'] }]);
    h.secoda.seed([{ id: 'root', email: 'root@acme.com', role: 'admin' }, { id: 'ada', email: 'ada@acme.com', role: 'viewer' }]);
    const plan = await dryRunPlan();
    expect(rows(plan)).toEqual([['delete', 'root@acme.com', 'withheld']]);
    const r = await h.run(['apply', 'plan.json']);
    expect(r.code, r.stderr).toBe(3);
    expect(rows(r.json())).toEqual([['delete', 'root@acme.com', 'withheld']]);
    expect(r.json().holds).toEqual([expect.stringContaining('last-admin guard: root@acme.com')]);
    expect(h.writes()).toEqual([]);
  });
});
