/**
 * Reviewed plans in the pure core: which fresh actions a plan file approves,
 * which of its actions are stale, and what the rails weigh when only some of
 * the plan is approved.
 */
import { describe, expect, it } from 'vitest';
import { actionIdentity, reviewOf } from '../../src/core/review.js';
import type { PlanAction } from '../../src/core/plan.js';
import { org, plan, secoda } from './fixtures.js';

const asFiled = (a: PlanAction) => ({
  type: a.type, email: a.email, name: a.name, ...(a.id ? { secodaId: a.id } : {}), ...(a.from ? { from: a.from } : {}), ...(a.to ? { to: a.to } : {}), status: a.status,
});

describe('actionIdentity', () => {
  const action: PlanAction = { type: 'update_role', key: 'ada@x.io', email: 'Ada@X.io', name: 'Ada', id: 's-1', from: 'editor', to: 'viewer', direction: 'down', status: 'planned' };

  it('is the same for a plan action and the report row of it: case of the email, name and status do not count', () => {
    expect(actionIdentity({ ...asFiled(action), email: ' ada@x.io', name: 'Someone', status: 'withheld' })).toBe(actionIdentity(action));
  });

  it('differs in type, email, Secoda id, from-role, to-role, and in any field of its own (a group)', () => {
    const base = actionIdentity(asFiled(action));
    for (const change of [{ type: 'delete' }, { email: 'eve@x.io' }, { secodaId: 's-2' }, { from: 'admin' }, { to: 'admin' }, { group: 'finance' }]) {
      expect(actionIdentity({ ...asFiled(action), ...change })).not.toBe(base);
    }
  });
});

describe('reviewOf', () => {
  it('a delete the file shows deferred approves nothing: once due, it is not reviewed until a new plan shows it', () => {
    const del: PlanAction = { type: 'delete', key: 'old@x.io', email: 'old@x.io', name: 'Old', id: 's-9', from: 'viewer', status: 'planned' };
    expect(reviewOf([{ ...asFiled(del), status: 'deferred' }]).isReviewed(del)).toBe(false);
    expect(reviewOf([asFiled(del)]).isReviewed(del)).toBe(true);
  });
});

describe('actionIdentity of a group write', () => {
  const person = (email: string, id: string) => ({ email, id });
  const planned: PlanAction = {
    type: 'group', key: 'engineering', email: 'Engineering', name: 'Engineering', id: 'g-1', status: 'planned',
    group: { name: 'Engineering', id: 'g-1', memberIds: ['s-1', 's-2'], pendingIds: [], added: [person('Bo@x.io', 's-2')], removed: [person('cy@x.io', 's-3')], withheldRemovals: [] },
  };
  // The JSON report's shape of the same write: emails, a member count.
  const filed = {
    type: 'group', email: 'Engineering', name: 'Engineering', secodaId: 'g-1', status: 'planned',
    group: { name: 'Engineering', id: 'g-1', created: false, members: 2, added: ['bo@x.io'], removed: ['cy@x.io'], withheldRemovals: [] },
  };

  it('matches the report row of the same write, so a reviewed group write is applied', () => {
    expect(actionIdentity(filed)).toBe(actionIdentity(planned));
  });

  it('differs when the file adds or removes other people than the fresh plan', () => {
    expect(actionIdentity({ ...filed, group: { ...filed.group, added: ['bo@x.io', 'eve@x.io'] } })).not.toBe(actionIdentity(planned));
    expect(actionIdentity({ ...filed, group: { ...filed.group, removed: [] } })).not.toBe(actionIdentity(planned));
  });
});

describe('computePlan with a review', () => {
  const source = [org('root@x.io', ['admin']), org('new@x.io', ['analyst'])];
  const target = [secoda('root@x.io', 'admin'), secoda('a@x.io', 'viewer'), secoda('b@x.io', 'viewer'), secoda('boss@x.io', 'admin')];
  const fresh = plan(source, target);

  it('marks what the file lacks not reviewed; the file\'s own extra actions are stale', () => {
    const filed = fresh.actions.filter((a) => a.email !== 'b@x.io').map(asFiled);
    filed.push({ type: 'delete', email: 'root@x.io', name: '', secodaId: 's-root@x.io', from: 'admin', status: 'planned' });
    const review = reviewOf(filed);
    const p = plan(source, target, { isReviewed: review.isReviewed });
    expect(p.actions.map((a) => [a.type, a.email, a.status])).toEqual([
      ['delete', 'a@x.io', 'planned'],
      ['delete', 'b@x.io', 'not_reviewed'],
      ['delete', 'boss@x.io', 'planned'],
      ['invite', 'new@x.io', 'planned'],
    ]);
    expect(review.stale(p.actions).map((a) => [a.type, a.email])).toEqual([['delete', 'root@x.io']]);
  });

  it('the rails weigh only the approved actions: a cap counts them alone, the source rail withholds them, not the unreviewed', () => {
    const onlyA = reviewOf(fresh.actions.filter((a) => a.email === 'a@x.io').map(asFiled));
    expect(plan(source, target, { isReviewed: onlyA.isReviewed, maxDeletes: 1 }).holds).toEqual([]);
    const railed = plan(source, target, { isReviewed: onlyA.isReviewed, deleteHolds: ['the source listed 1 invalid record'] });
    expect(railed.actions.filter((a) => a.type === 'delete').map((a) => a.status)).toEqual(['withheld', 'not_reviewed', 'not_reviewed']);
  });

  it('the last-admin guard counts only approved revokes: an unapproved delete leaves an admin in place', () => {
    const src = [org('x@x.io', ['analyst'])];
    const t = [secoda('a1@x.io', 'admin'), secoda('a2@x.io', 'admin'), secoda('x@x.io', 'viewer')];
    const all = plan(src, t);
    expect(all.actions.map((a) => [a.email, a.status])).toEqual([['a1@x.io', 'withheld'], ['a2@x.io', 'planned']]);
    const second = reviewOf(all.actions.filter((a) => a.email === 'a2@x.io').map(asFiled));
    expect(plan(src, t, { isReviewed: second.isReviewed }).actions.map((a) => [a.email, a.status])).toEqual([['a1@x.io', 'not_reviewed'], ['a2@x.io', 'planned']]);
    const both = reviewOf(all.actions.map(asFiled));
    expect(plan(src, t, { isReviewed: both.isReviewed }).actions.map((a) => [a.email, a.status])).toEqual([['a1@x.io', 'withheld'], ['a2@x.io', 'planned']]);
  });
});
