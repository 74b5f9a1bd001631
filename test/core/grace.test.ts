/**
 * DELETE_AFTER and pause as plan rules (pure): they only ever hold back
 * actions the plan made, and the rails judge only what would be sent.
 */
import { describe, expect, it } from 'vitest';
import { org, plan, secoda } from './fixtures.js';

const DAY = 86_400_000;
const now = new Date('2026-06-10T12:00:00.000Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY);
const grace = (days: number, missingSince: [string, Date][] = []) => ({ deleteAfter: { ms: days * DAY, now, missingSince: new Map(missingSince) } });

const source = [org('root@x.com', ['admin']), org('stay@x.com', ['analyst'])];
const target = [secoda('root@x.com', 'admin'), secoda('stay@x.com', 'viewer'), secoda('gone@x.com', 'viewer'), secoda('old@x.com', 'editor')];

describe('DELETE_AFTER', () => {
  it('defers a delete until its member has been missing the whole period; due ones are planned', () => {
    const p = plan(source, target, grace(7, [['old@x.com', ago(7)]]));
    expect(p.actions.map((a) => [a.email, a.status, a.dueAt?.toISOString() ?? null])).toEqual([
      ['gone@x.com', 'deferred', new Date(now.getTime() + 7 * DAY).toISOString()],
      ['old@x.com', 'planned', null],
    ]);
    expect(p.notes).toContain(`1 delete deferred by DELETE_AFTER=7d: a user missing from the source is deleted once every run has found it missing that long; the first is due ${new Date(now.getTime() + 7 * DAY).toISOString()}`);
  });

  it('0 defers nothing', () => {
    expect(plan(source, target, grace(0)).actions.every((a) => a.status === 'planned')).toBe(true);
  });

  it('deferred deletes do not count toward the mass-delete guard, and due ones still do', () => {
    const quiet = plan(source, target, { ...grace(7), maxDeletes: 1 });
    expect(quiet.holds).toEqual([]);
    const due = plan(source, target, { ...grace(7, [['gone@x.com', ago(8)], ['old@x.com', ago(8)]]), maxDeletes: 1 });
    expect(due.holds[0]).toMatch(/^mass-delete guard: 2 deletes planned/);
    expect(due.actions.map((a) => a.status)).toEqual(['withheld', 'withheld']);
  });

  it('a deferred last admin is not a hold: nothing is removed this run', () => {
    const p = plan([org('new@x.com', ['analyst'])], [secoda('root@x.com', 'admin')], grace(1));
    expect(p.holds).toEqual([]);
    expect(p.actions.find((a) => a.type === 'delete')?.status).toBe('deferred');
  });
});

describe('pause', () => {
  it('withholds every action, keeps deferred ones deferred, and says who paused, when and why', () => {
    const paused = { reason: 'INC-9', since: ago(1), by: 'ana@ops' };
    const p = plan([...source, org('new@x.com', ['analyst'])], target, { ...grace(7, [['old@x.com', ago(9)]]), paused });
    expect(p.actions.map((a) => [a.type, a.email, a.status])).toEqual([
      ['delete', 'gone@x.com', 'deferred'], ['delete', 'old@x.com', 'withheld'], ['invite', 'new@x.com', 'withheld'],
    ]);
    expect(p.holds).toEqual([`paused: INC-9 (since ${ago(1).toISOString()}, by ana@ops); nothing is written until \`secoda-user-sync resume\``]);
  });
});
