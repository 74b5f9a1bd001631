/**
 * store.recordOutcomes (src/store/outcomes.ts): the outcomes of many writes
 * in one transaction — the action rows as updateAction would leave them, the
 * snapshot's changes with the last word on a user winning, all or nothing.
 * Real database: PGlite, or Postgres with TEST_DATABASE_URL.
 */
import { describe, expect, it } from 'vitest';
import type { Member } from '../../src/core/member.js';
import { StoreError } from '../../src/store/errors.js';
import type { NewAction, TargetSnapshotMember } from '../../src/store/types.js';
import { useTestStore } from '../helpers/db.js';

const { store } = useTestStore();

const member = (id: string, over: Partial<Member> = {}): Member => ({
  key: `${id}@x.io`, email: `${id}@x.io`, name: `Name ${id}`, role: 'viewer', id, ...over,
});
const row = (m: Member): TargetSnapshotMember => ({
  id: m.id!, email: m.email, name: m.name, role: m.role ?? '', pending: m.pending ?? false,
  serviceAccount: m.serviceAccount ?? false, disabled: m.disabled ?? false,
});
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function planned(n: number): Promise<{ runId: number; ids: number[] }> {
  const runId = await store.createRun('apply');
  const list: NewAction[] = Array.from({ length: n }, (_, i) => ({
    seq: i, type: 'update_role', email: `a${i}@x.io`, name: null, secodaId: `a${i}`, fromRole: 'viewer', toRole: 'editor', status: 'planned',
  }));
  return { runId, ids: await store.addActions(runId, list) };
}

describe('recordOutcomes', () => {
  it('records every action row as updateAction would: only the fields given, null set as null', async () => {
    const { runId, ids } = await planned(3);
    // Action 0 carries an earlier error and attempts: an outcome without those fields keeps them.
    await store.updateAction(ids[0]!, { status: 'planned', error: 'earlier', attempts: 2 });
    const started = new Date('2031-01-01T00:00:00.001Z');
    const finished = new Date('2031-01-01T00:00:01.250Z');
    await store.recordOutcomes([
      { actionId: ids[0]!, outcome: { status: 'succeeded', secodaId: 's-0', httpStatus: 200, startedAt: started, finishedAt: finished } },
      { actionId: ids[1]!, outcome: { status: 'failed', httpStatus: null, error: 'Secoda answered 500', attempts: 4, startedAt: started, finishedAt: null } },
      { actionId: ids[2]!, outcome: { status: 'unknown', secodaId: null, error: "it's \"quoted\"\n\ttabbed é" } },
    ]);
    const [a0, a1, a2] = await store.listActions(runId);
    expect(a0).toMatchObject({ status: 'succeeded', secodaId: 's-0', httpStatus: 200, error: 'earlier', attempts: 2, startedAt: started, finishedAt: finished });
    expect(a1).toMatchObject({ status: 'failed', secodaId: 'a1', httpStatus: null, error: 'Secoda answered 500', attempts: 4, startedAt: started, finishedAt: null });
    expect(a2).toMatchObject({ status: 'unknown', secodaId: null, httpStatus: null, error: "it's \"quoted\"\n\ttabbed é", attempts: 0, startedAt: null });
  });

  it('writes the snapshot changes of the batch: the last outcome on a user wins', async () => {
    await store.replaceSecodaSnapshot([member('k1'), member('k2'), member('k3')]);
    const { ids } = await planned(6);
    await store.recordOutcomes([
      { actionId: ids[0]!, snapshot: { upsert: member('k1', { role: 'editor' }) }, outcome: { status: 'succeeded' } },
      { actionId: ids[1]!, snapshot: { upsert: member('k1', { role: 'admin', name: 'Renamed' }) }, outcome: { status: 'succeeded' } },
      { actionId: ids[2]!, snapshot: { remove: 'k2' }, outcome: { status: 'succeeded' } },
      { actionId: ids[3]!, snapshot: { upsert: member('n1', { pending: true }) }, outcome: { status: 'succeeded' } },
      { actionId: ids[4]!, snapshot: { remove: 'n1' }, outcome: { status: 'failed' } },
      { actionId: ids[5]!, snapshot: { remove: 'no-such-user' }, outcome: { status: 'failed' } },
    ]);
    expect((await store.listSecodaSnapshot()).sort(byId)).toEqual([row(member('k1', { role: 'admin', name: 'Renamed' })), row(member('k3'))]);
  });

  it('remembers the memberships sent to pending members', async () => {
    const { ids } = await planned(2);
    await store.recordOutcomes([
      { actionId: ids[0]!, outcome: { status: 'succeeded' }, memberships: [{ groupId: 'g1', memberIds: ['p1', 'p2'], replace: true }] },
      { actionId: ids[1]!, outcome: { status: 'succeeded' }, memberships: [{ groupId: 'g1', memberIds: ['p3'], replace: false }] },
    ]);
    expect(await store.listSentMemberships()).toEqual([
      { groupId: 'g1', memberId: 'p1' }, { groupId: 'g1', memberId: 'p2' }, { groupId: 'g1', memberId: 'p3' },
    ]);
  });

  it('all or nothing: an action that does not exist fails the batch, and nothing of it is written', async () => {
    await store.replaceSecodaSnapshot([member('z1')]);
    const { runId, ids } = await planned(2);
    const failing = store.recordOutcomes([
      { actionId: ids[0]!, snapshot: { remove: 'z1' }, outcome: { status: 'succeeded', httpStatus: 204 } },
      { actionId: 999_999, outcome: { status: 'succeeded' } },
      { actionId: ids[1]!, snapshot: { upsert: member('z2') }, outcome: { status: 'succeeded' } },
    ]);
    await expect(failing).rejects.toBeInstanceOf(StoreError);
    await expect(failing).rejects.toThrow(/999999 not found/);
    expect((await store.listActions(runId)).map((a) => a.status)).toEqual(['planned', 'planned']);
    expect(await store.listSecodaSnapshot()).toEqual([row(member('z1'))]);
  });

  it('a batch larger than one statement', async () => {
    const { runId, ids } = await planned(12_345);
    await store.recordOutcomes(ids.map((actionId, i) => ({
      actionId, snapshot: { upsert: member(`big${i}`) }, outcome: { status: 'succeeded', httpStatus: 200 + (i % 3) },
    })));
    const rows = await store.listActions(runId);
    expect(rows.every((a, i) => a.status === 'succeeded' && a.httpStatus === 200 + (i % 3))).toBe(true);
    expect((await store.listSecodaSnapshot()).filter((r) => r.id.startsWith('big'))).toHaveLength(12_345);
    expect(await store.recordOutcomes([])).toBeUndefined();
  });
});
