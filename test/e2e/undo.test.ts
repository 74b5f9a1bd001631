/**
 * `undo RUN_ID` end to end, on real HTTP and a real database: the reverse of
 * a past run's succeeded actions, from the audit trail, against Secoda as it
 * is now.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A run that deletes left (editor), re-roles ada (editor -> viewer) and alan (viewer -> admin), invites grace and linus. */
async function badRun(): Promise<number> {
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    { email: 'alan@acme.com', name: 'Alan Turing', roles: ['admin'] },
    { email: 'ada@acme.com', name: 'Ada Lovelace', roles: ['analyst'] },
    { email: 'grace@acme.com', name: 'Grace Hopper', roles: ['developer'] },
    { email: 'linus@acme.com', name: 'Linus Torvalds', roles: ['analyst'] },
  ]);
  h.secoda.seed([
    { id: 'root', email: 'root@acme.com', role: 'admin' },
    { id: 'alan', email: 'alan@acme.com', role: 'viewer' },
    { id: 'ada', email: 'ada@acme.com', role: 'editor' },
    { id: 'left', email: 'Left@acme.com', role: 'editor', first_name: 'Left', last_name: 'Behind' },
  ]);
  const r = await h.run(['reconcile']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json().summary).toMatchObject({ invite: 2, update_role: 2, delete: 1 });
  return r.json().runId;
}

/** Undoing two invitations among five managed users is 40%: over the default mass-delete guard (tested on its own below). */
const UNDO_ENV = { MAX_DELETE_PERCENT: '50' };
const rows = (report: any) => report.actions.map((a: any) => [a.type, a.email, a.from ?? null, a.to ?? null, a.status]);
const writeCount = () => h.writes().length;

describe('undo RUN_ID', () => {
  it('reverses deletes, re-roles and still-pending invites, as a run of mode undo naming the run', async () => {
    const runId = await badRun();
    const before = writeCount();
    const r = await h.run(['undo', String(runId)], UNDO_ENV);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json();
    expect(report).toMatchObject({ mode: 'undo', undoOf: runId, status: 'succeeded' });
    expect(rows(report)).toEqual([
      ['delete', 'grace@acme.com', 'editor', null, 'succeeded'],
      ['delete', 'linus@acme.com', 'viewer', null, 'succeeded'],
      ['update_role', 'alan@acme.com', 'admin', 'viewer', 'succeeded'],
      ['update_role', 'ada@acme.com', 'viewer', 'editor', 'succeeded'],
      ['invite', 'Left@acme.com', null, 'editor', 'succeeded'],
    ]);
    expect(report.notes).toEqual([expect.stringContaining('the next sync makes these changes again unless their cause is fixed')]);
    expect(writeCount() - before).toBe(5);
    const users = Object.fromEntries(h.secoda.users().map((u) => [u.email, u.role]));
    expect(users).toEqual({ 'root@acme.com': 'admin', 'alan@acme.com': 'viewer', 'ada@acme.com': 'editor', 'Left@acme.com': 'editor' });
    expect(h.secoda.byEmail('Left@acme.com')).toMatchObject({ first_name: 'Left', last_name: 'Behind', pending: true });

    const list = (await h.run(['report', '--list', '--format', 'table'])).stdout;
    expect(list).toContain(`undo of ${runId}`);
    expect((await h.run(['report', '--list', '--format', 'json'])).json()[0]).toMatchObject({ mode: 'undo', undoOf: runId });
    const table = (await h.run(['report', String(report.runId), '--format', 'table'])).stdout;
    expect(table).toContain(`undo of run ${runId} — SUCCEEDED`);

    // As the docs warn: with the cause unfixed, the next sync would make the same changes again.
    const next = await h.run(['reconcile', '--dry-run'], UNDO_ENV);
    expect(next.json().actions.map((a: any) => [a.type, a.email])).toEqual([
      ['delete', 'Left@acme.com'], ['update_role', 'ada@acme.com'], ['update_role', 'alan@acme.com'], ['invite', 'grace@acme.com'], ['invite', 'linus@acme.com'],
    ]);
  });

  it('undoes a run a killed process left running, once it is recorded abandoned', async () => {
    const runId = await badRun();
    // As a process killed after its writes leaves it.
    await h.sql(`update runs set status = 'running', finished_at = null where id = ${runId}`);
    const r = await h.run(['undo', String(runId)], UNDO_ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ mode: 'undo', undoOf: runId, status: 'succeeded' });
    expect(rows(r.json())).toHaveLength(5);
    expect((await h.run(['report', String(runId), '--format', 'json'])).json().status).toBe('abandoned');
  });

  it('skips, with the reason, an invitation already accepted and a role changed since; exit 3', async () => {
    const runId = await badRun();
    h.secoda.update(h.secoda.byEmail('grace@acme.com')!.id, { pending: false }); // Grace started using Secoda
    h.secoda.update('ada', { role: 'admin' }); // someone changed Ada's role by hand since
    h.secoda.remove('alan');
    const r = await h.run(['undo', String(runId)], UNDO_ENV);
    expect(r.code, r.stderr).toBe(3);
    const report = r.json();
    expect(rows(report)).toEqual([
      ['delete', 'linus@acme.com', 'viewer', null, 'succeeded'],
      ['invite', 'Left@acme.com', null, 'editor', 'succeeded'],
      ['update_role', 'ada@acme.com', 'viewer', 'editor', 'skipped'],
      ['update_role', 'alan@acme.com', 'admin', 'viewer', 'skipped'],
      ['delete', 'grace@acme.com', 'editor', null, 'skipped'],
    ]);
    expect(report.actions.filter((a: any) => a.status === 'skipped').map((a: any) => a.reason)).toEqual([
      'role is now admin, not viewer as the run left it: changed since, left alone',
      'no longer in Secoda',
      'has accepted the invitation and started using Secoda: not deleted',
    ]);
    expect(report.holds).toEqual(['3 action(s) could not be reversed (status skipped; each says why)']);
    expect(h.secoda.byEmail('grace@acme.com')).toBeDefined();
    expect(h.secoda.byId('ada')?.role).toBe('admin');
    const md = (await h.run(['report', String(report.runId), '--format', 'markdown'])).stdout;
    expect(md).toContain('has accepted the invitation and started using Secoda');
  });

  it('--dry-run shows the reverse plan and writes nothing', async () => {
    const runId = await badRun();
    const before = h.secoda.users();
    const writes = writeCount();
    const r = await h.run(['undo', String(runId), '--dry-run'], UNDO_ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ mode: 'undo-dry-run', undoOf: runId, status: 'succeeded' });
    expect(rows(r.json()).map((x: string[]) => x[4])).toEqual(['planned', 'planned', 'planned', 'planned', 'planned']);
    expect(writeCount()).toBe(writes);
    expect(h.secoda.users()).toEqual(before);
    expect((await h.run(['report', String(r.json().runId), '--format', 'table'])).stdout).toContain('dry run (nothing was changed)');
  });

  it('undoing the same run twice changes nothing the second time', async () => {
    const runId = await badRun();
    expect((await h.run(['undo', String(runId)], UNDO_ENV)).code).toBe(0);
    const writes = writeCount();
    const again = await h.run(['undo', String(runId)], UNDO_ENV);
    expect(again.code).toBe(3);
    expect(rows(again.json()).every((x: string[]) => x[4] === 'skipped')).toBe(true);
    expect(writeCount()).toBe(writes);
  });

  it('refuses a dry run, an unknown run and a bad RUN_ID before any write (exit 2)', async () => {
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }]);
    h.secoda.seed([{ id: 'root', email: 'root@acme.com', role: 'admin' }, { id: 'x', email: 'x@acme.com', role: 'viewer' }]);
    const dry = await h.run(['reconcile', '--dry-run']);
    const id = dry.json().runId;
    const refusedDry = await h.run(['undo', String(id)]);
    expect(refusedDry.code).toBe(2);
    expect(refusedDry.stderr).toContain(`run ${id} was a dry run: it changed nothing to undo`);
    const unknown = await h.run(['undo', '999']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run 999 in the database');
    expect((await h.run(['undo', 'latest'])).code).toBe(2);
    expect((await h.run(['undo'])).code).toBe(2);
    expect(h.writes()).toEqual([]);
    expect((await h.run(['report', '--list', '--format', 'json'])).json()).toHaveLength(1);
  });

  it('the rails hold: protected users are left alone and the mass-delete guard withholds deletes of invitations', async () => {
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, ...['a', 'b', 'c'].map((n) => ({ email: `${n}@acme.com`, roles: ['analyst'] }))]);
    h.secoda.seed([{ id: 'root', email: 'root@acme.com', role: 'admin' }, { id: 'vip', email: 'vip@acme.com', role: 'editor' }]);
    const r = await h.run(['reconcile'], { MAX_DELETE_PERCENT: '100' });
    expect(r.code, r.stderr).toBe(0);
    const undo = await h.run(['undo', String(r.json().runId)], { PROTECTED_EMAILS: 'vip@acme.com', MAX_DELETES: '2' });
    expect(undo.code, undo.stderr).toBe(3);
    const report = undo.json();
    expect(rows(report)).toEqual([
      ['delete', 'a@acme.com', 'viewer', null, 'withheld'],
      ['delete', 'b@acme.com', 'viewer', null, 'withheld'],
      ['delete', 'c@acme.com', 'viewer', null, 'withheld'],
      ['invite', 'vip@acme.com', null, 'editor', 'skipped'],
    ]);
    expect(report.actions[3].reason).toBe('outside the sync: protected (PROTECTED_EMAILS)');
    expect(report.holds[0]).toContain(`then run undo ${r.json().runId} --max-deletes 3`);
    const lifted = await h.run(['undo', String(r.json().runId), '--max-deletes', '3'], { PROTECTED_EMAILS: 'vip@acme.com' });
    expect(lifted.code).toBe(3); // vip is still skipped
    expect(h.secoda.users().map((u) => u.email)).toEqual(['root@acme.com']);
  });
});
