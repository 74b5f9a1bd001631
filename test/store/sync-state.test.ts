/**
 * The state every process sharing the database sees alike: DELETE_AFTER's
 * missing-since clock, the pause (one open at a time, even when two
 * processes pause at once), and the alert webhook's memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { openTestStore, type TestStore } from '../helpers/db.js';

let t: TestStore;
let store: Store;
beforeAll(async () => {
  t = await openTestStore();
  store = t.store;
});
afterAll(async () => {
  await t.cleanup();
});

const at = (iso: string) => new Date(iso);

describe('missing members', () => {
  it('keeps the first observation while a member stays missing and forgets it when the member is back', async () => {
    await store.recordMissing(1, at('2026-01-01T00:00:00Z'), [{ key: 'a@x.com', email: 'A@x.com' }, { key: 'b@x.com', email: 'b@x.com' }]);
    await store.recordMissing(2, at('2026-01-02T00:00:00Z'), [{ key: 'a@x.com', email: 'A@x.com' }, { key: 'c@x.com', email: 'c@x.com' }]);
    expect(await store.listMissing()).toEqual([
      { key: 'a@x.com', email: 'A@x.com', since: at('2026-01-01T00:00:00Z'), sinceRun: 1, lastRun: 2 },
      { key: 'c@x.com', email: 'c@x.com', since: at('2026-01-02T00:00:00Z'), sinceRun: 2, lastRun: 2 },
    ]);
    await store.recordMissing(3, at('2026-01-03T00:00:00Z'), []);
    expect(await store.listMissing()).toEqual([]);
  });
});

describe('pause', () => {
  it('opens one pause, keeps it on a second pause, closes it on resume, and keeps the history', async () => {
    expect(await store.currentPause()).toBeNull();
    const first = await store.pause('INC-1', 'ana@ops', at('2026-02-01T10:00:00Z'));
    expect(first.created).toBe(true);
    expect(first.pause).toMatchObject({ reason: 'INC-1', by: 'ana@ops', since: at('2026-02-01T10:00:00Z'), resumedAt: null });
    const second = await store.pause('other', 'ben@ops');
    expect(second).toEqual({ pause: first.pause, created: false });
    const closed = await store.resume('ben@ops', at('2026-02-01T11:00:00Z'));
    expect(closed).toMatchObject({ id: first.pause.id, resumedBy: 'ben@ops', resumedAt: at('2026-02-01T11:00:00Z') });
    expect(await store.currentPause()).toBeNull();
    expect(await store.resume('ben@ops')).toBeNull();
    const next = await store.pause('INC-2', 'ana@ops');
    expect(next.created).toBe(true);
    expect(next.pause.id).not.toBe(first.pause.id);
    await store.resume('ana@ops');
  });

  it('two pauses at once from two connections: one is recorded, both see it', async () => {
    if (!t.databaseUrl) return; // PGlite admits one process: concurrency is a Postgres matter
    const other = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
    try {
      const [a, b] = await Promise.all([store.pause('from a', 'a@host'), other.pause('from b', 'b@host')]);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect(a.pause.id).toBe(b.pause.id);
    } finally {
      await store.resume('test');
      await other.close();
    }
  });
});

describe('alert state', () => {
  it('round-trips and is replaced', async () => {
    expect(await store.getAlertState()).toBeNull();
    const state = { condition: 'problem' as const, cause: 'failed\nx', since: at('2026-03-01T00:00:00Z'), sinceRun: 4, lastPostedAt: at('2026-03-01T00:00:00Z'), lastRun: 4, runs: 1 };
    await store.saveAlertState(state);
    expect(await store.getAlertState()).toEqual(state);
    await store.saveAlertState({ ...state, condition: 'ok', cause: null, lastRun: 5, runs: 1 });
    expect(await store.getAlertState()).toMatchObject({ condition: 'ok', cause: null, lastRun: 5 });
  });
});
