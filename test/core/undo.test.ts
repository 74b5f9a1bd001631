/** The reverse of a past run in the pure core: what is reversed, what is skipped and why, and the rails. */
import { describe, expect, it } from 'vitest';
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import { SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import { planUndo, type DoneAction, type UndoOptions } from '../../src/core/undo.js';
import { secoda } from './fixtures.js';

const options = (o: Partial<UndoOptions> = {}): UndoOptions => ({
  roleOrder: SECODA_VOCABULARY.roles, adminRole: SECODA_VOCABULARY.adminRole, isProtected: () => false,
  maxDeletes: 25, maxDeletePercent: null, maxDemotions: 25, maxDemotionPercent: null, ...o,
});
const undo = (done: DoneAction[], target: Parameters<typeof secodaUsersToMembers>[0], o: Partial<UndoOptions> = {}) =>
  planUndo(done, secodaUsersToMembers(target), options(o));
const steps = (p: ReturnType<typeof planUndo>) => p.steps.map((s) => [s.action.type, s.action.email, s.action.from ?? null, s.action.to ?? null, s.action.status, s.skip?.kind ?? null]);

describe('planUndo', () => {
  it('a promotion is reversed by a downgrade applied before upgrades, and a demotion by an upgrade', () => {
    const p = undo(
      [
        { type: 'update_role', email: 'up@x.io', name: '', id: 's-up@x.io', from: 'viewer', to: 'admin' },
        { type: 'update_role', email: 'down@x.io', name: '', id: 's-down@x.io', from: 'editor', to: 'viewer' },
      ],
      [secoda('root@x.io', 'admin'), secoda('up@x.io', 'admin'), secoda('down@x.io', 'viewer')],
    );
    expect(p.steps.map((s) => [s.action.email, s.action.direction])).toEqual([['up@x.io', 'down'], ['down@x.io', 'up']]);
    expect(p.holds).toEqual([]);
  });

  it('skips what it cannot put back: a twin already present, nothing recorded, the key owner, an email reused by another account', () => {
    const p = undo(
      [
        { type: 'delete', email: 'back@x.io', name: 'Back', id: 'old', from: 'editor' },
        { type: 'delete', email: 'norole@x.io', name: '', id: 'n' },
        { type: 'delete', email: 'owner@x.io', name: '', id: 'o', from: 'admin' },
        { type: 'invite', email: 'reused@x.io', name: '', id: 'first', to: 'viewer' },
      ],
      [secoda('Back@x.io', 'viewer'), secoda('reused@x.io', 'viewer', { id: 'second', pending: true })],
      { keyOwner: 'owner@x.io' },
    );
    expect(steps(p)).toEqual([
      ['invite', 'back@x.io', null, 'editor', 'planned', 'present'],
      ['invite', 'norole@x.io', null, null, 'planned', 'no_role'],
      ['invite', 'owner@x.io', null, 'admin', 'planned', 'excluded'],
      ['delete', 'reused@x.io', 'viewer', null, 'planned', 'gone'],
    ]);
    expect(p.holds).toEqual([{ kind: 'undo_skipped', count: 4 }]);
  });

  it('never demotes the last active admin back', () => {
    const p = undo([{ type: 'update_role', email: 'a@x.io', name: '', id: 's-a@x.io', from: 'editor', to: 'admin' }], [secoda('a@x.io', 'admin'), secoda('b@x.io', 'viewer')]);
    expect(steps(p)).toEqual([['update_role', 'a@x.io', 'admin', 'editor', 'withheld', null]]);
    expect(p.holds).toEqual([{ kind: 'last_admin', email: 'a@x.io', role: 'admin', action: 'update_role' }]);
  });
});
