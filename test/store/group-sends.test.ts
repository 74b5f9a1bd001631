/** The memory of group memberships sent to pending members (GROUP_MAP), on a real database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { openTestStore, type TestStore } from '../helpers/db.js';

let t: TestStore;
let store: Store;
beforeAll(async () => {
  t = await openTestStore();
  store = t.store;
});
afterAll(async () => {
  await t?.cleanup();
});

describe('sent memberships', () => {
  it('a group write replaces its group\'s memory, an invite adds to it, forgetting removes exactly the pairs named', async () => {
    await store.rememberSentMemberships('g1', ['a', 'b'], { replace: true });
    await store.rememberSentMemberships('g2', ['a'], { replace: true });
    await store.rememberSentMemberships('g1', ['c', 'c'], { replace: false });
    expect(await store.listSentMemberships()).toEqual([
      { groupId: 'g1', memberId: 'a' }, { groupId: 'g1', memberId: 'b' }, { groupId: 'g1', memberId: 'c' }, { groupId: 'g2', memberId: 'a' },
    ]);
    await store.rememberSentMemberships('g1', ['b'], { replace: true });
    await store.forgetSentMemberships([{ groupId: 'g2', memberId: 'a' }, { groupId: 'g2', memberId: 'nobody' }]);
    expect(await store.listSentMemberships()).toEqual([{ groupId: 'g1', memberId: 'b' }]);
    await store.rememberSentMemberships('g1', [], { replace: true });
    expect(await store.listSentMemberships()).toEqual([]);
  });
});
