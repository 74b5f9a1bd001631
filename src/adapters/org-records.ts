/**
 * The org API's user record and list item: the wire shape after payload
 * validation. Only the org adapter sees them.
 *
 * The zod schemas are the definition. `readOrgItem` reads the shapes they
 * accept without them first: zod's per-field pipes cost microseconds a
 * record, and a run reads the whole org (twice when it deletes). Anything
 * the fast reading does not recognise goes to the schema, which reads it or
 * names what is wrong; the two are property-tested to agree
 * (test/adapters/records-fast.test.ts).
 */
import * as z from './zod.js';

const Id = z.pipe(
  z.nullish(z.union([z.string(), z.number()])),
  z.transform((v) => (v === null || v === undefined ? '' : String(v))),
);
const Email = z.string().check(
  z.refine((e) => e.trim().length > 0, 'empty'),
  z.refine((e) => e.trim().length === 0 || e.includes('@'), 'not an email address'),
);
const Name = z.pipe(z.nullish(z.string()), z.transform((v) => v ?? ''));
const Roles = z.array(z.string());

export const OrgUserRecord = z.object({ id: Id, email: Email, name: Name, roles: Roles });
/** A list item whose roles may be absent (null or missing: unknown, to be read per user). */
const ListItemMaybeRoles = z.object({ id: Id, email: Email, name: Name, roles: z.nullish(Roles) });
/** A list item whose roles are not used (ORG_ROLES_FROM=user). */
const ListItemNoRoles = z.object({ id: Id, email: Email, name: Name });

/** Roles on list items: 'required' (ORG_ROLES_FROM=list), 'optional' (auto), 'ignored' (user). */
export type OrgItemRoles = 'required' | 'optional' | 'ignored';

export interface OrgItem {
  id: string;
  email: string;
  name: string;
  roles?: string[] | null;
}

/** The definition of a list item, by where roles come from. */
export const ORG_ITEM_SCHEMAS = { required: OrgUserRecord, optional: ListItemMaybeRoles, ignored: ListItemNoRoles } as const;

export type OrgItemResult = { success: true; data: OrgItem } | { success: false; error: z.ZodError };

/** A list item as its schema reads it: the fast reading when it is sure, else the schema. */
export function readOrgItem(item: unknown, roles: OrgItemRoles): OrgItemResult {
  const fast = readOrgItemFast(item, roles);
  return fast !== undefined ? { success: true, data: fast } : ORG_ITEM_SCHEMAS[roles].safeParse(item);
}

/** What the item's schema makes of `item`; undefined when not sure (the schema decides then). */
export function readOrgItemFast(item: unknown, roles: OrgItemRoles): OrgItem | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const r = item as Record<string, unknown>;
  const id = r.id === null || r.id === undefined ? '' : typeof r.id === 'string' ? r.id : typeof r.id === 'number' && Number.isFinite(r.id) ? String(r.id) : undefined;
  const { email } = r;
  const name = r.name === null || r.name === undefined ? '' : typeof r.name === 'string' ? r.name : undefined;
  if (id === undefined || name === undefined || typeof email !== 'string' || email.trim().length === 0 || !email.includes('@')) return undefined;
  if (roles === 'ignored') return { id, email, name };
  const list = r.roles;
  const isList = Array.isArray(list) && list.every((x) => typeof x === 'string');
  if (roles === 'required') return isList ? { id, email, name, roles: list } : undefined;
  if (!('roles' in r)) return { id, email, name };
  if (list === null || list === undefined) return { id, email, name, roles: list };
  return isList ? { id, email, name, roles: list } : undefined;
}
