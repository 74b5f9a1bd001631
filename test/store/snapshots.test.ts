import { describe, expect, it } from 'vitest';
import type { Member } from '../../src/core/member.js';
import type { TargetSnapshotMember } from '../../src/store/types.js';
import { useTestStore } from '../helpers/db.js';

const { store } = useTestStore();

const su = (i: number, over: Partial<TargetSnapshotMember> = {}): TargetSnapshotMember => ({
  id: `s-${i}`,
  email: `user${String(i).padStart(6, '0')}@example.com`,
  name: `First${i} Last${i}`,
  role: 'viewer',
  pending: i % 5 === 0,
  serviceAccount: i % 97 === 0,
  disabled: i % 13 === 0,
  ...over,
});
/** The member the target port would hand over for that row. */
const m = (r: TargetSnapshotMember): Member => ({ ...r, key: String(r.email).toLowerCase() });
const ms = (rs: TargetSnapshotMember[]): Member[] => rs.map(m);

const byId = (a: TargetSnapshotMember, b: TargetSnapshotMember) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('Secoda snapshot', () => {
  it('replace, upsert, remove', async () => {
    expect(await store.listSecodaSnapshot()).toEqual([]);
    const first = [su(1), su(2, { role: 'admin' }), su(3, { name: "O'Brien" })];
    await store.replaceSecodaSnapshot(ms(first));
    expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(first);

    // Replace drops users not in the new list.
    const second = [su(2, { role: 'editor' }), su(4)];
    await store.replaceSecodaSnapshot(ms(second));
    expect((await store.listSecodaSnapshot()).sort(byId)).toEqual(second);

    await store.upsertSecodaUser(m(su(5, { pending: true })));
    await store.upsertSecodaUser(m(su(2, { role: 'admin', disabled: true })));
    await store.removeSecodaUser('s-4');
    await store.removeSecodaUser('no-such-id');
    expect((await store.listSecodaSnapshot()).sort(byId)).toEqual([su(2, { role: 'admin', disabled: true }), su(5, { pending: true })]);

    await store.replaceSecodaSnapshot([]);
    expect(await store.listSecodaSnapshot()).toEqual([]);
  });

  it('a duplicate id in the list does not fail the replace (last one wins)', async () => {
    await store.replaceSecodaSnapshot(ms([su(1), su(1, { role: 'admin' })]));
    expect(await store.listSecodaSnapshot()).toEqual([su(1, { role: 'admin' })]);
  });

  it('replaces a large snapshot in batches, in one transaction', async () => {
    const many = Array.from({ length: 11_011 }, (_, i) => su(i));
    await store.replaceSecodaSnapshot(ms(many));
    const listed = await store.listSecodaSnapshot();
    expect(listed).toHaveLength(many.length);
    expect(listed.sort(byId)).toEqual([...many].sort(byId));

    // A failing replace (null in a NOT NULL column) leaves the previous snapshot intact.
    const bad = [...many.slice(0, 10_500), { ...su(99_999), email: null as unknown as string }];
    await expect(store.replaceSecodaSnapshot(ms(bad))).rejects.toThrow(/replaceSecodaSnapshot failed/);
    expect(await store.listSecodaSnapshot()).toHaveLength(many.length);
  });
});

// The org snapshot: test/store/org-snapshots.test.ts.
