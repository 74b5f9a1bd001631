/**
 * Org snapshots stored once per distinct list (src/store/org-snapshot.ts):
 * every run reads back exactly what it pulled, a pull equal to an earlier one
 * adds no row, a changed pull adds only its changes, and pruning drops what
 * no remaining run points to. On the real database (PGlite, or Postgres with
 * TEST_DATABASE_URL).
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SourceUser as OrgUser } from '../../src/core/member.js';
import { orgListHash } from '../../src/store/org-snapshot.js';
import { useTestStore } from '../helpers/db.js';

const { store } = useTestStore();
// Each test starts from an empty store: pruning every run takes every snapshot with it.
beforeEach(async () => {
  await store.markAbandonedRuns();
  await store.pruneRuns(new Date('2200-01-01T00:00:00Z'));
  expect(await store.orgSnapshotSize()).toMatchObject({ versions: 0, rows: 0 });
});

const line = (u: OrgUser) => JSON.stringify([u.id, u.email, u.name, u.roles]);
const sorted = (users: readonly OrgUser[]) => users.map(line).sort();
const person = (i: number, roles = ['analyst']): OrgUser => ({ id: `o-${i}`, email: `person${i}@example.com`, name: `Person ${i}`, roles });
const org = (n: number) => Array.from({ length: n }, (_, i) => person(i, i % 7 === 0 ? ['admin', 'developer'] : ['analyst']));

/** A finished run started at `startedAt`, with `users` as its org snapshot. */
async function runWith(users: readonly OrgUser[], startedAt?: Date): Promise<number> {
  const id = await store.createRun('apply', startedAt);
  await store.saveOrgSnapshot(id, [...users]);
  await store.updateRun(id, { status: 'succeeded', finishedAt: new Date() });
  return id;
}

async function expectReads(expected: Map<number, readonly OrgUser[]>): Promise<void> {
  for (const [runId, users] of expected) {
    expect(sorted(await store.listOrgSnapshot(runId)), `run ${runId}`).toEqual(sorted(users));
    expect(await store.countOrgSnapshot(runId), `run ${runId}`).toBe(users.length);
  }
}

describe('org snapshot', () => {
  it('reads back what the run pulled — duplicates, odd roles — and saving again replaces it', async () => {
    const runA = await store.createRun('dry-run');
    const runB = await store.createRun('dry-run');
    const users: OrgUser[] = Array.from({ length: 12_345 }, (_, i) => ({
      id: `o-${i}`, email: `Person${i}@Example.com`, name: `Person ${i}`,
      roles: i % 2 ? ['member'] : ['admin', 'billing', 'weird "role", {x}'],
    }));
    users.push(users[7]!, users[7]!); // the source may list someone twice, or three times
    await store.saveOrgSnapshot(runA, users);
    await expectReads(new Map([[runA, users], [runB, []]]));
    await store.saveOrgSnapshot(runA, users.slice(0, 10));
    await store.saveOrgSnapshot(runB, []);
    await expectReads(new Map([[runA, users.slice(0, 10)], [runB, []]]));
  });

  it('a pull equal to an earlier one (in any order) adds no row; a changed pull adds only its changes', async () => {
    const base = org(1_000);
    const first = await runWith(base);
    const size1 = await store.orgSnapshotSize();
    expect(size1).toMatchObject({ versions: 1, rows: 1_000 });

    const same: number[] = [];
    for (let i = 0; i < 20; i++) same.push(await runWith(i % 2 ? [...base].reverse() : base));
    expect(await store.orgSnapshotSize()).toEqual(size1);

    // One leaver, one joiner, one role change: one version more, two rows more (the joiner, the new role).
    const changed = [...base.slice(1).map((u) => (u.id === 'o-5' ? { ...u, roles: ['admin'] } : u)), person(5_000)];
    const second = await runWith(changed);
    expect(await store.orgSnapshotSize()).toMatchObject({ versions: 2, rows: 1_002 });
    // Back to the first list, then to the second: both found, nothing added.
    const back = await runWith(base);
    const again = await runWith(changed);
    expect(await store.orgSnapshotSize()).toMatchObject({ versions: 2, rows: 1_002 });
    await expectReads(new Map<number, readonly OrgUser[]>([
      [first, base], [same[7]!, base], [second, changed], [back, base], [again, changed],
    ]));
  });

  it('a version is found by the sha256 of the sorted `copy:line` keys joined by newlines (versions stored before keep matching)', () => {
    const users = [...org(2_500), person(3), person(3), person(3), { id: 'a\tb', email: 'ü"\\', name: 'x\ny', roles: [] }];
    const keys = sorted(users).map((l, i, all) => {
      let copy = 0;
      while (i - copy - 1 >= 0 && all[i - copy - 1] === l) copy++;
      return `${copy}:${l}`;
    });
    const expected = createHash('sha256').update(keys.join('\n')).digest('hex');
    expect(orgListHash(users)).toBe(expected);
    expect(orgListHash([...users].reverse())).toBe(expected);
    expect(orgListHash([])).toBe(createHash('sha256').update('').digest('hex'));
  });

  it('pruning drops the versions and rows no remaining run points to; what remains reads the same', async () => {
    const old = new Date('2001-01-01T00:00:00Z');
    const recent = new Date('2029-01-01T00:00:00Z');
    const a = org(100);
    const b = [...a.slice(10), person(200), person(201)];
    const c = [...b.slice(5), person(300)];
    await runWith(a, old);
    await runWith(b, old);
    const r3 = await runWith(c, recent);
    const r4 = await runWith(b, recent);
    expect(await store.orgSnapshotSize()).toMatchObject({ versions: 3, rows: 100 + 2 + 1 });

    expect(await store.pruneRuns(new Date('2002-01-01T00:00:00Z'))).toBe(2);
    // a is gone; b and c stay, and so do the rows they share.
    expect(await store.orgSnapshotSize()).toMatchObject({ versions: 2, rows: new Set([...b, ...c].map(line)).size });
    await expectReads(new Map([[r3, c], [r4, b]]));

    // A run that pulls the pruned list again stores it afresh.
    const r5 = await runWith(a, recent);
    await expectReads(new Map([[r3, c], [r4, b], [r5, a]]));

    expect(await store.pruneRuns(new Date('2100-01-01T00:00:00Z'))).toBe(3);
    expect(await store.orgSnapshotSize()).toMatchObject({ versions: 0, rows: 0 });
    const r6 = await runWith(c, recent);
    await expectReads(new Map([[r6, c]]));
  });

  it('any sequence of pulls, re-saves and prunes: every run reads back what it last saved', async () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n);
    let users = org(40);
    const saved = new Map<number, readonly OrgUser[]>();
    const started = new Map<number, number>();
    for (let step = 0; step < 48; step++) {
      const op = rand(10);
      if (op < 5) {
        // The org changes a little: someone leaves, joins, changes role, or is listed twice.
        const next = [...users];
        const i = rand(next.length);
        if (op === 0 && next.length > 1) next.splice(i, 1);
        if (op === 1) next.push(person(1_000 + step));
        if (op === 2) next[i] = { ...next[i]!, roles: [['admin'], ['developer'], [], ['analyst', 'admin']][rand(4)]! };
        if (op === 3) next.push(next[i]!);
        users = next;
      }
      if (op === 8 && saved.size > 0) {
        // Re-save an earlier run with the current list.
        const ids = [...saved.keys()];
        const id = ids[rand(ids.length)]!;
        await store.saveOrgSnapshot(id, [...users]);
        saved.set(id, users);
      } else if (op === 9 && saved.size > 0) {
        const cut = step - rand(15);
        await store.pruneRuns(new Date(Date.UTC(2020, 0, 1) + cut * 60_000));
        for (const [id, at] of started) if (at < cut) saved.delete(id);
      } else {
        const id = await runWith(users, new Date(Date.UTC(2020, 0, 1) + step * 60_000));
        saved.set(id, users);
        started.set(id, step);
      }
      if (step % 4 === 3) await expectReads(saved);
    }
    await expectReads(saved);
  });
});
