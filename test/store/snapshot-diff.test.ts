/**
 * The Secoda snapshot is written as a difference against the stored rows
 * (src/store/secoda-snapshot.ts): whatever was stored before, the result must
 * be exactly what replacing the table with the new list would leave — the
 * same rows, field for field, none kept that should have gone. Real
 * database: PGlite, or Postgres with TEST_DATABASE_URL.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Member } from '../../src/core/member.js';
import type { TargetSnapshotMember } from '../../src/store/types.js';
import { useTestStore } from '../helpers/db.js';

const { store } = useTestStore();

const member = (r: TargetSnapshotMember): Member => ({ ...r, key: r.email.toLowerCase() });
/** What a full replace leaves: one row per id, the last copy winning. */
function replaced(list: readonly TargetSnapshotMember[]): TargetSnapshotMember[] {
  return [...new Map(list.map((r) => [r.id, r])).values()].sort(byId);
}
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Strings that would break a careless text comparison: tabs, newlines, quotes, backslashes, non-ASCII, control characters. */
const tricky = fc.constantFrom('', 'a', 'a\tb', 'a\nb', 'a\\tb', '"q"', "O'Brien", 'Zoë', '名前', 'x\u0001y', 'trailing ', '\\', 'a b');
const text = fc.oneof(tricky, fc.string({ maxLength: 6 }));
const record = (id: fc.Arbitrary<string>) =>
  fc.record({
    id, email: text, name: text, role: fc.constantFrom('viewer', 'editor', 'admin', '', 'none'),
    pending: fc.boolean(), serviceAccount: fc.boolean(), disabled: fc.boolean(),
  });
const ids = fc.constantFrom('s-1', 's-2', 's-3', 's-4', 's-5', 'a\tb', 'a"b', 'ü', 's-1 ');

describe('Secoda snapshot written as a difference', () => {
  it('adds, changes and removals: the stored snapshot equals a full replace', async () => {
    const base: TargetSnapshotMember[] = Array.from({ length: 300 }, (_, i) => ({
      id: `u-${i}`, email: `user${i}@x.io`, name: `User ${i}`, role: 'viewer', pending: i % 7 === 0, serviceAccount: false, disabled: false,
    }));
    await store.replaceSecodaSnapshot(base.map(member));
    const next = base
      .filter((_, i) => i % 10 !== 3) // removed
      .map((r, i) =>
        i % 17 === 0 ? { ...r, role: 'editor' }
          : i % 19 === 0 ? { ...r, name: `${r.name}\twith a tab` }
            : i % 23 === 0 ? { ...r, email: r.email.toUpperCase() }
              : i % 29 === 0 ? { ...r, pending: !r.pending, disabled: true }
                : r)
      .concat([{ id: 'new-1', email: 'new@x.io', name: 'New\nLine', role: 'admin', pending: true, serviceAccount: true, disabled: false }]);
    await store.replaceSecodaSnapshot(next.map(member));
    expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(replaced(next));
    // The same list again writes nothing and leaves the same rows.
    await store.replaceSecodaSnapshot(next.map(member));
    expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(replaced(next));
  });

  it('any stored snapshot, any new list (duplicates, awkward text): equals a full replace', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record(ids), { maxLength: 8 }), fc.array(record(ids), { maxLength: 8 }), async (before, after) => {
        await store.replaceSecodaSnapshot(before.map(member));
        expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(replaced(before));
        await store.replaceSecodaSnapshot(after.map(member));
        expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(replaced(after));
      }),
      { numRuns: 40 },
    );
  });

  it('an empty list empties it; a list of more rows than one statement takes', async () => {
    const many: TargetSnapshotMember[] = Array.from({ length: 12_001 }, (_, i) => ({
      id: `m-${i}`, email: `m${i}@x.io`, name: `M ${i}`, role: 'viewer', pending: false, serviceAccount: false, disabled: false,
    }));
    await store.replaceSecodaSnapshot(many.map(member));
    const changed = many.map((r, i) => (i % 2 === 0 ? { ...r, role: 'editor' } : r)).slice(1000);
    await store.replaceSecodaSnapshot(changed.map(member));
    expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(replaced(changed));
    await store.replaceSecodaSnapshot([]);
    expect(await store.listSecodaSnapshot()).toEqual([]);
  });

  it('says once, on every write, when the stored rows are compared (the run plans while the differences are written)', async () => {
    const rows: TargetSnapshotMember[] = Array.from({ length: 3_000 }, (_, i) => ({
      id: `c-${i}`, email: `c${i}@x.io`, name: `C ${i}`, role: 'viewer', pending: false, serviceAccount: false, disabled: false,
    }));
    // Into an empty table, with changes, with none, emptied.
    for (const list of [rows, rows.slice(100), rows.slice(100), []]) {
      let calls = 0;
      await store.replaceSecodaSnapshot(list.map(member), { onCompared: () => calls++ });
      expect(calls).toBe(1);
      expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(replaced(list));
    }
  });

  it('lists every row once, ordered by email then id, across read chunks', async () => {
    // Emails run against the id order, two ids share an email: the order is the list's, not the read's.
    const rows: TargetSnapshotMember[] = Array.from({ length: 4_500 }, (_, i) => ({
      id: `id-${String(i).padStart(5, '0')}`, email: `u${String(5_000 - (i >> 1)).padStart(5, '0')}@x.io`, name: '', role: 'viewer',
      pending: false, serviceAccount: false, disabled: false,
    }));
    await store.replaceSecodaSnapshot(rows.map(member));
    const byEmailThenId = (a: TargetSnapshotMember, b: TargetSnapshotMember) =>
      (a.email < b.email ? -1 : a.email > b.email ? 1 : 0) || byId(a, b);
    expect(await store.listSecodaSnapshot()).toEqual([...rows].sort(byEmailThenId));
  });
});
