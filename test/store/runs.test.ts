import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import type { NewAction, RunSummary } from '../../src/store/types.js';
import { useTestStore } from '../helpers/db.js';

const { store, opened } = useTestStore();

const summary: RunSummary = { invite: 2, update_role: 1, delete: 1, unchanged: 10, skipped: 1, failed: 1, withheld: 0 };

describe('runs', () => {
  it('creates a running run with defaults, and updates it partially', async () => {
    const secodaRead = {
      mode: 'snapshot' as const, reason: 'the snapshot is 5m old, within SECODA_REFRESH 1h', snapshotAt: '2030-01-02T02:59:05.000Z',
      snapshotAgeSeconds: 300, confirmed: 3, replanned: 1, gone: 0,
    };
    const before = Date.now();
    const id = await store.createRun('apply');
    expect(Number.isInteger(id)).toBe(true);
    const run = await store.getRun(id);
    expect(run).toEqual({
      id,
      mode: 'apply',
      status: 'running',
      startedAt: expect.any(Date),
      finishedAt: null,
      sourceUsers: null,
      targetUsers: null,
      targetManaged: null,
      summary: null,
      holds: [],
      skipped: [],
      notes: [],
      error: null,
      secodaApi: null,
      orgApi: null,
      planRun: null,
      undoOf: null,
      secodaRead: null,
    });
    expect(run!.startedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);

    await store.updateRun(id, { sourceUsers: 120, targetUsers: 100, targetManaged: 95 });
    const finishedAt = new Date('2030-01-02T03:04:05.678Z');
    await store.updateRun(id, {
      status: 'held',
      finishedAt,
      summary,
      holds: ['deletes 40% > 10%'],
      skipped: [{ email: 'Svc@x.io', reason: 'service_account' }],
      error: 'held: too many deletes',
      secodaRead,
    });
    expect(await store.getRun(id)).toEqual({
      ...run,
      status: 'held',
      finishedAt,
      sourceUsers: 120,
      targetUsers: 100,
      targetManaged: 95,
      summary,
      holds: ['deletes 40% > 10%'],
      skipped: [{ email: 'Svc@x.io', reason: 'service_account' }],
      error: 'held: too many deletes',
      secodaRead,
    });

    const { databaseUrl } = opened();
    if (databaseUrl) {
      // Stored as real jsonb values (not JSON strings): queryable in SQL.
      const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql`select jsonb_typeof(holds) as h, jsonb_typeof(skipped) as s, (summary->>'invite')::int as i from runs where id = ${id}`;
        expect(row).toEqual({ h: 'array', s: 'array', i: 2 });
      } finally {
        await sql.end();
      }
    }

    // null clears; undefined leaves alone; an empty patch is a no-op.
    await store.updateRun(id, { error: null, summary: null });
    await store.updateRun(id, {});
    const cleared = await store.getRun(id);
    expect(cleared?.error).toBeNull();
    expect(cleared?.summary).toBeNull();
    expect(cleared?.status).toBe('held');
  });

  it('keeps an explicit start time, lists newest first, and returns null for unknown ids', async () => {
    const at = new Date('2020-05-06T07:08:09.123Z');
    const a = await store.createRun('dry-run', at);
    const b = await store.createRun('apply');
    expect((await store.getRun(a))?.startedAt).toEqual(at);
    expect((await store.latestRun())?.id).toBe(b);
    const list = await store.listRuns(2);
    expect(list.map((r) => r.id)).toEqual([b, a]);
    expect(await store.getRun(999_999)).toBeNull();
    await expect(store.updateRun(999_999, { status: 'failed' })).rejects.toBeInstanceOf(StoreError);
  });
});

describe('actions', () => {
  it('round-trip: batch insert returns ids in input order; outcomes update', async () => {
    const runId = await store.createRun('apply');
    const input: NewAction[] = [
      { seq: 0, type: 'delete', email: 'gone@x.io', name: 'Gone', secodaId: 's-1', fromRole: 'editor', toRole: null, status: 'planned' },
      { seq: 1, type: 'update_role', email: 'up@x.io', name: null, secodaId: 's-2', fromRole: 'viewer', toRole: 'admin', status: 'planned' },
      { seq: 2, type: 'invite', email: 'new@x.io', name: 'New Person', secodaId: null, fromRole: null, toRole: 'viewer', status: 'withheld', detail: { groups: ['Data Team'] } },
    ];
    const ids = await store.addActions(runId, input);
    expect(ids).toHaveLength(3);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);

    const started = new Date('2031-01-01T00:00:00.001Z');
    const finished = new Date('2031-01-01T00:00:01.500Z');
    await store.updateAction(ids[2], { status: 'succeeded', secodaId: 's-9', httpStatus: 201, attempts: 2, startedAt: started, finishedAt: finished });
    await store.updateAction(ids[1], { status: 'failed', httpStatus: 500, error: 'Secoda answered 500', attempts: 4 });

    const listed = await store.listActions(runId);
    expect(listed).toEqual([
      { id: ids[0], runId, ...input[0], httpStatus: null, error: null, reason: null, attempts: 0, startedAt: null, finishedAt: null, dueAt: null, detail: null },
      { id: ids[1], runId, ...input[1], reason: null, status: 'failed', httpStatus: 500, error: 'Secoda answered 500', attempts: 4, startedAt: null, finishedAt: null, dueAt: null, detail: null },
      { id: ids[2], runId, ...input[2], reason: null, status: 'succeeded', secodaId: 's-9', httpStatus: 201, error: null, attempts: 2, startedAt: started, finishedAt: finished, dueAt: null },
    ]);
    expect(await store.addActions(runId, [])).toEqual([]);
    await expect(store.updateAction(999_999, { status: 'failed' })).rejects.toBeInstanceOf(StoreError);
  });

  it('keeps the APIs a run was made for, the run it applies or reverses, and why an action was skipped', async () => {
    const runId = await store.createRun('undo');
    await store.updateRun(runId, { secodaApi: 'https://api.secoda.co', orgApi: 'https://org.example.com/v1', undoOf: 7 });
    expect(await store.getRun(runId)).toMatchObject({ mode: 'undo', secodaApi: 'https://api.secoda.co', orgApi: 'https://org.example.com/v1', undoOf: 7, planRun: null });
    await store.addActions(runId, [
      { seq: 0, type: 'delete', email: 'a@x.io', name: null, secodaId: 's-1', fromRole: 'viewer', toRole: null, status: 'skipped', reason: 'has accepted the invitation' },
    ]);
    expect((await store.listActions(runId))[0]).toMatchObject({ status: 'skipped', reason: 'has accepted the invitation' });
  });

  it('inserts a large plan in chunks, ids matching input order', async () => {
    const runId = await store.createRun('apply');
    const n = 12_003; // more than two chunks
    const input: NewAction[] = Array.from({ length: n }, (_, i) => ({
      seq: i,
      type: 'invite',
      email: `u${i}@x.io`,
      name: `User ${i}`,
      secodaId: null,
      fromRole: null,
      toRole: 'viewer',
      status: 'planned',
    }));
    const ids = await store.addActions(runId, input);
    expect(ids).toHaveLength(n);
    const listed = await store.listActions(runId);
    expect(listed.map((a) => a.id)).toEqual(ids);
    expect(listed.map((a) => a.email)).toEqual(input.map((a) => a.email));
  });
});

describe('markAbandonedRuns', () => {
  it('marks only running runs abandoned, and sets their finish time', async () => {
    const running = await store.createRun('apply');
    const done = await store.createRun('apply');
    await store.updateRun(done, { status: 'succeeded', finishedAt: new Date('2030-01-01T00:00:00Z') });
    const n = await store.markAbandonedRuns();
    expect(n).toBeGreaterThanOrEqual(1);
    const r = await store.getRun(running);
    expect(r?.status).toBe('abandoned');
    expect(r?.finishedAt).toBeInstanceOf(Date);
    expect((await store.getRun(done))?.status).toBe('succeeded');
    expect(await store.markAbandonedRuns()).toBe(0);
  });
});

describe('pruneRuns', () => {
  it('deletes runs started before the cut-off, with their actions and org snapshots', async () => {
    await store.markAbandonedRuns();
    const old = await store.createRun('apply', new Date('2001-01-01T00:00:00Z'));
    const oldRunning = await store.createRun('apply', new Date('2001-01-02T00:00:00Z'));
    const recent = await store.createRun('apply', new Date('2029-01-01T00:00:00Z'));
    await store.updateRun(old, { status: 'succeeded' });
    await store.updateRun(recent, { status: 'succeeded' });
    for (const id of [old, recent]) {
      await store.addActions(id, [{ seq: 0, type: 'invite', email: 'a@x.io', name: null, secodaId: null, fromRole: null, toRole: 'viewer', status: 'planned' }]);
      await store.saveOrgSnapshot(id, [{ id: 'o1', email: 'a@x.io', name: 'A', roles: ['member'] }]);
    }

    const n = await store.pruneRuns(new Date('2002-01-01T00:00:00Z'));
    expect(n).toBe(1);
    expect(await store.getRun(old)).toBeNull();
    expect(await store.listActions(old)).toEqual([]);
    expect(await store.countOrgSnapshot(old)).toBe(0);
    // A run still marked running belongs to a live process: left alone.
    expect((await store.getRun(oldRunning))?.status).toBe('running');
    expect(await store.getRun(recent)).not.toBeNull();
    expect(await store.listActions(recent)).toHaveLength(1);
    expect(await store.countOrgSnapshot(recent)).toBe(1);
  });
});

describe('ping / close', () => {
  it('ping answers true while open', async () => {
    expect(await store.ping()).toBe(true);
  });
});
