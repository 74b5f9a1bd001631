/**
 * `pause --reason TEXT` / `resume`: the pause is in the database, so any
 * later run sees it; a paused run reads and plans, sends no write, is
 * recorded with the hold `paused: TEXT (since …, by …)` and exits 3.
 * `report --list` shows the pause. Real HTTP, real database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

const t0 = new Date('2026-04-01T08:30:00.000Z');
let now = t0;

let h: Harness;
beforeEach(async () => {
  now = t0;
  h = await startHarness({ now: () => now });
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    { email: 'new@acme.com', name: 'New Joiner', roles: ['analyst'] },
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    { email: 'left@acme.com', role: 'viewer' },
  ]);
});
afterEach(async () => {
  await h.close();
});

const secodaWrites = () => h.writes().filter((w) => w.api === 'secoda');
const HOLD = `paused: bad ROLE_MAP, see INC-42 (since ${t0.toISOString()}, by ana@ops)`;

describe('pause and resume', () => {
  it('a paused run reads and plans, writes nothing, is held with who paused and why, and exits 3; resume lets the next run write', async () => {
    const p = await h.run(['pause', '--reason', 'bad ROLE_MAP, see INC-42', '--by', 'ana@ops']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain(HOLD);

    now = new Date(t0.getTime() + 60_000);
    const held = await h.run(['reconcile']);
    expect(held.code, held.stderr).toBe(3);
    const report = held.json();
    expect(report.status).toBe('held');
    expect(report.holds).toEqual([`${HOLD}; nothing is written until \`secoda-user-sync resume\``]);
    // The plan is all there, each action withheld.
    expect(report.actions.map((a: any) => [a.type, a.email, a.status])).toEqual([
      ['delete', 'left@acme.com', 'withheld'], ['invite', 'new@acme.com', 'withheld'],
    ]);
    expect(secodaWrites()).toEqual([]);
    // It did read both sides.
    expect(h.secoda.requests.some((r) => r.method === 'GET')).toBe(true);
    expect(h.org.requests.length).toBeGreaterThan(0);

    // A dry run while paused shows the same hold and exit code.
    expect((await h.run(['reconcile', '--dry-run'])).code).toBe(3);

    // Pausing again keeps the first pause (and says so).
    const again = await h.run(['pause', '--reason', 'something else']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`already ${HOLD}; the reason was not changed`);

    const r = await h.run(['resume', '--by', 'ben@ops']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('resumed by ben@ops');
    const after = await h.run(['reconcile']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.json().holds).toEqual([]);
    expect(secodaWrites().map((w) => w.method)).toEqual(['DELETE', 'POST']);

    const idle = await h.run(['resume']);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toContain('not paused');
  });

  it('report --list shows the pause in every format, and which runs it held', async () => {
    await h.run(['reconcile', '--dry-run']);
    expect((await h.run(['pause', '--reason', 'incident', '--by', 'ana@ops'])).code).toBe(0);
    expect((await h.run(['reconcile'])).code).toBe(3);

    const table = await h.run(['report', '--list', '--format', 'table']);
    expect(table.stdout).toMatch(/^PAUSED — paused: incident \(since 2026-04-01T08:30:00.000Z, by ana@ops\)\. Runs read and plan but write nothing \(held\) until: secoda-user-sync resume/);
    expect(table.stdout).toMatch(/2 +apply +held \(paused\)/);
    expect(table.stdout).toMatch(/1 +dry-run +succeeded/);
    const md = await h.run(['report', '--list', '--format', 'markdown']);
    expect(md.stdout).toMatch(/^\*\*PAUSED — paused: incident/);
    const json = await h.run(['report', '--list', '--format', 'json']);
    expect(json.stderr).toContain('PAUSED — paused: incident');
    const runs = json.json();
    expect(runs[0]).toMatchObject({ runId: 2, status: 'held' });
    expect(runs[0].holds[0]).toMatch(/^paused: incident \(since/);

    expect((await h.run(['resume'])).code).toBe(0);
    const resumed = await h.run(['report', '--list', '--format', 'table']);
    expect(resumed.stdout).not.toContain('PAUSED');
  });

  it('pause without a reason is a usage error (exit 2) and pauses nothing', async () => {
    const r = await h.run(['pause']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pause needs --reason TEXT');
    expect((await h.run(['pause', '--reason', '   '])).code).toBe(2);
    const run = await h.run(['reconcile']);
    expect(run.code, run.stderr).toBe(0);
  });

  it('--help describes both commands', async () => {
    const pause = await h.run(['pause', '--help']);
    expect(pause.code).toBe(0);
    expect(pause.stdout).toContain('secoda-user-sync pause --reason TEXT');
    const main = await h.run(['--help']);
    expect(main.stdout).toMatch(/pause +Stop every run's writes/);
    expect(main.stdout).toMatch(/resume +/);
    expect(main.stdout).toContain('DELETE_AFTER');
    expect(main.stdout).toContain('ALERT_REPEAT');
  });
});
