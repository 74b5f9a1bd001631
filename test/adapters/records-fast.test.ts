/**
 * The fast readings of Secoda user records and org list items agree with
 * their zod schemas: whatever the fast reading accepts, the schema accepts
 * with the same result; and the records a server really sends (clean or with
 * the published samples' Python-isms) take the fast path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORG_ITEM_SCHEMAS, readOrgItemFast, type OrgItemRoles } from '../../src/adapters/org-records.js';
import { readSecodaUserFast, SecodaUserSchema } from '../../src/adapters/secoda-records.js';

const tricky = fc.constantFrom(
  'None', 'none', ' NONE ', 'True', 'false', ' TRUE ', 'FALSE', 'yes', '', '  ', 'a@b.c', ' A@B.C ', '@', 'x', 'Editor', ' admin ', 'owner',
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  tricky, fc.string(), fc.integer({ min: -2, max: 3 }), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.array(fc.oneof(tricky, fc.integer())), fc.dictionary(fc.string(), fc.string()),
);
/** Mostly what a server might send in that field (so that many records are whole enough to take the fast path), sometimes anything. */
const mostly = (plausible: fc.Arbitrary<unknown>) => fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 1, arbitrary: value });
const text = mostly(fc.oneof(tricky, fc.string(), fc.constant(null)));
const bool = mostly(fc.oneof(fc.boolean(), fc.constantFrom('True', 'false', ' TRUE ', 'None', null, 0, 1, 'yes', 2)));
/** Records with any of the fields (the first two always), an unknown one besides; now and then not a record at all. */
const recordOf = (fields: Record<string, fc.Arbitrary<unknown>>) => {
  const shape: Record<string, fc.Arbitrary<unknown>> = { ...fields, extra: value };
  const record = fc.record(shape, { requiredKeys: Object.keys(fields).slice(0, 2) });
  return fc.oneof({ weight: 19, arbitrary: record as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: value });
};

const secodaRecord = recordOf({
  id: mostly(fc.oneof(tricky, fc.string(), fc.integer())), email: text, first_name: text, last_name: text, role: text,
  pending: bool, is_service_account: bool, disabled: bool,
});
const orgItem = recordOf({
  email: mostly(fc.oneof(tricky, fc.emailAddress(), fc.string())), id: mostly(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null))),
  name: text, roles: mostly(fc.oneof(fc.array(tricky), fc.constant(null), fc.array(value))),
});
const secodaSchema = SecodaUserSchema;
const ROLE_MODES: readonly OrgItemRoles[] = ['required', 'optional', 'ignored'];

describe('Secoda user records', () => {
  it('what the fast reading accepts, the schema accepts the same', () => {
    fc.assert(
      fc.property(secodaRecord, (raw) => {
        const fast = readSecodaUserFast(raw);
        if (fast === undefined) return;
        const z = secodaSchema.safeParse(raw);
        expect(z.success).toBe(true);
        expect(fast).toStrictEqual(z.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('records as sent take the fast path: plain JSON and the samples\' "None" / "True" strings', () => {
    const records = [
      { id: 'u1', email: 'Ann@Example.com ', first_name: 'Ann', last_name: 'Lee', role: 'editor', pending: false, is_service_account: false, disabled: false, x: 1 },
      { id: 7, email: 'None', first_name: 'None', last_name: null, role: 'Admin', pending: 'True', is_service_account: 'False', disabled: 'None' },
      { id: 'u2', email: 'b@example.com', first_name: 'B', last_name: '', role: null, pending: 1, is_service_account: 0 },
    ];
    for (const raw of records) {
      const fast = readSecodaUserFast(raw);
      expect(fast, JSON.stringify(raw)).toBeDefined();
      expect(fast).toStrictEqual(secodaSchema.parse(raw));
    }
  });
});

describe('org list items', () => {
  for (const mode of ROLE_MODES) {
    it(`roles ${mode}: what the fast reading accepts, the schema accepts the same`, () => {
      fc.assert(
        fc.property(orgItem, (item) => {
          const fast = readOrgItemFast(item, mode);
          if (fast === undefined) return;
          const z = ORG_ITEM_SCHEMAS[mode].safeParse(item);
          expect(z.success).toBe(true);
          expect(fast).toStrictEqual(z.data);
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('items as sent take the fast path', () => {
    const items: [unknown, OrgItemRoles][] = [
      [{ id: 'o1', email: 'a@example.com', name: 'A', roles: ['admin'] }, 'required'],
      [{ id: 12, email: 'b@example.com', name: null, roles: [] }, 'optional'],
      [{ id: 'o3', email: 'c@example.com', name: 'C' }, 'optional'],
      [{ id: null, email: 'd@example.com', name: 'D', roles: null }, 'optional'],
      [{ id: 'o5', email: 'e@example.com', name: 'E', roles: ['analyst'] }, 'ignored'],
    ];
    for (const [item, mode] of items) expect(readOrgItemFast(item, mode), JSON.stringify(item)).toBeDefined();
  });
});
