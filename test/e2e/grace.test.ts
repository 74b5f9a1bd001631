/**
 * DELETE_AFTER: a user missing from the source is deleted only once every
 * run has found it missing for that long. Until then the plan shows a
 * `deferred` delete with its due time; dry runs count as observations; a
 * user who comes back resets the clock. Real HTTP, real database, and a wall
 * clock the test moves ("three days later") instead of waiting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

const DAY = 86_400_000;
const t0 = new Date('2026-03-02T09:00:00.000Z');
let now = t0;
const day = (n: number) => new Date(t0.getTime() + n * DAY);

let h: Harness;
beforeEach(async () => {
  now = t0;
  h = await startHarness({ now: () => now });
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    { email: 'ada@acme.com', name: 'Ada Lovelace', roles: ['analyst'] },
    { email: 'bob@acme.com', name: 'Bob Leaver', roles: ['analyst'] },
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin' },
    { email: 'ada@acme.com', role: 'viewer' },
    { email: 'bob@acme.com', role: 'viewer' },
  ]);
});
afterEach(async () => {
  await h.close();
});

const GRACE = { DELETE_AFTER: '7d' };
const deletesOf = () => h.writes().filter((w) => w.api === 'secoda' && w.method === 'DELETE');

describe('DELETE_AFTER', () => {
  it('defers the delete until the user has been missing for the whole period, counting dry runs, then deletes', async () => {
    h.org.remove('bob@acme.com');

    // Day 0, a dry run: the first observation starts the clock.
    const dry = await h.run(['reconcile', '--dry-run'], GRACE);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = dry.json();
    expect(planned.status).toBe('succeeded');
    expect(planned.actions).toEqual([
      expect.objectContaining({ type: 'delete', email: 'bob@acme.com', status: 'deferred', dueAt: day(7).toISOString() }),
    ]);
    expect(planned.summary).toMatchObject({ delete: 1, deferred: 1, withheld: 0 });
    expect(planned.notes.join('\n')).toContain(`1 delete deferred by DELETE_AFTER=7d`);
    expect(planned.notes.join('\n')).toContain(`the first is due ${day(7).toISOString()}`);

    // Day 3, an apply: still deferred, due 7 days after the dry run's observation, nothing sent.
    now = day(3);
    const early = await h.run(['reconcile'], GRACE);
    expect(early.code, early.stderr).toBe(0);
    expect(early.json().actions).toEqual([expect.objectContaining({ status: 'deferred', dueAt: day(7).toISOString() })]);
    expect(deletesOf()).toEqual([]);

    // Every report format says it.
    const table = await h.run(['report', '--format', 'table']);
    expect(table.stdout).toContain(`deferred until ${day(7).toISOString()}`);
    expect(table.stdout).toContain('deferred 1');
    const markdown = await h.run(['report', '--format', 'markdown']);
    expect(markdown.stdout).toContain(`deferred until ${day(7).toISOString()}`);
    expect(markdown.stdout).toMatch(/\| withheld \| deferred \|/);
    const list = await h.run(['report', '--list', '--format', 'table']);
    expect(list.stdout).toMatch(/withheld +deferred/);
    expect(list.stdout).toMatch(/2 +apply +succeeded .* 1 *$/m);

    // Day 7: due, deleted.
    now = day(7);
    const due = await h.run(['reconcile'], GRACE);
    expect(due.code, due.stderr).toBe(0);
    expect(due.json().actions).toEqual([expect.objectContaining({ type: 'delete', email: 'bob@acme.com', status: 'succeeded' })]);
    expect(deletesOf()).toHaveLength(1);
    expect(h.secoda.users().map((u) => u.email).sort()).toEqual(['ada@acme.com', 'root@acme.com']);
  });

  it('resets the clock when the user comes back', async () => {
    h.org.remove('bob@acme.com');
    expect((await h.run(['reconcile'], GRACE)).json().actions[0].dueAt).toBe(day(7).toISOString());

    // Back on day 2 (a rehire, a source glitch): nothing to do, and the clock is gone.
    now = day(2);
    h.org.seed([{ email: 'bob@acme.com', name: 'Bob Leaver', roles: ['analyst'] }]);
    expect((await h.run(['reconcile'], GRACE)).json().actions).toEqual([]);

    // Missing again from day 4: due on day 11, not day 7.
    now = day(4);
    h.org.remove('bob@acme.com');
    expect((await h.run(['reconcile'], GRACE)).json().actions[0]).toMatchObject({ status: 'deferred', dueAt: day(11).toISOString() });
    now = day(8);
    expect((await h.run(['reconcile'], GRACE)).json().actions[0]).toMatchObject({ status: 'deferred', dueAt: day(11).toISOString() });
    expect(deletesOf()).toEqual([]);
    now = day(11);
    expect((await h.run(['reconcile'], GRACE)).json().actions[0]).toMatchObject({ status: 'succeeded' });
    expect(deletesOf()).toHaveLength(1);
  });

  it('held runs count as observations, and the mass-delete guard judges only the deletes that are due', async () => {
    // Two of three managed users leave: over the 20% cap, so when both come due the guard holds them.
    h.org.remove('bob@acme.com');
    h.org.remove('ada@acme.com');
    const first = await h.run(['reconcile'], GRACE);
    expect(first.code, first.stderr).toBe(0); // both deferred: nothing for the guard to judge
    expect(first.json().holds).toEqual([]);

    now = day(7);
    const held = await h.run(['reconcile'], GRACE);
    expect(held.code).toBe(3);
    expect(held.json().holds.join('\n')).toMatch(/mass-delete guard: 2 deletes planned/);
    expect(held.json().actions.map((a: any) => a.status)).toEqual(['withheld', 'withheld']);

    // The held run kept the clock running: the override deletes them now.
    now = day(8);
    const allowed = await h.run(['reconcile', '--max-deletes', '2'], GRACE);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(deletesOf()).toHaveLength(2);
  });

  it('DELETE_AFTER=0 (the default) deletes at once; a bad value names itself and exits 2 before any request', async () => {
    h.org.remove('bob@acme.com');
    const bad = await h.run(['reconcile'], { DELETE_AFTER: 'a week' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/DELETE_AFTER must be a period like "0", "90m", "12h" or "7d" \(got "a week"\)/);
    expect(h.org.requests).toEqual([]);
    const unitless = await h.run(['reconcile'], { DELETE_AFTER: '7' });
    expect(unitless.stderr).toMatch(/DELETE_AFTER needs a unit/);

    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().actions).toEqual([expect.objectContaining({ type: 'delete', status: 'succeeded' })]);
    expect(r.json().actions[0].dueAt).toBeUndefined();
  });
});
