/**
 * Secoda's user record: the wire shape after payload validation and quirk
 * clean-up ("None", "True"). Only the Secoda adapter sees it.
 *
 * `SecodaUserRecord` (zod) is the definition. `readSecodaUser` reads the
 * shapes it accepts without it: zod's per-field pipes cost ~5 µs a record, a
 * tenth of the CPU of reading 20,000 users, and their intermediate objects
 * GC time besides. Anything it does not recognise goes to the schema, which
 * reads it or names what is wrong; the two are property-tested to agree
 * (test/adapters/records-fast.test.ts).
 */
import * as z from './zod.js';

/** A Secoda user, after payload validation and quirk clean-up ("None", "True"). */
export interface SecodaUser {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  /** Lower-cased. */
  role: string;
  pending: boolean;
  is_service_account: boolean;
  disabled: boolean;
}

export const isNone = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim().toLowerCase() === 'none');

/** "None" / null / missing -> ''; strings kept. */
const optText = z.preprocess((v) => (isNone(v) ? '' : v), z.string());

/** true/false, "True"/"False" (any case), 0/1; "None" / null / missing -> false. */
const boolish = z.preprocess((v) => {
  if (isNone(v)) return false;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  if (v === 0 || v === 1) return v === 1;
  return v;
}, z.boolean());

export const SecodaUserRecord = z.object({
  id: z.preprocess(
    (v) => (isNone(v) ? undefined : typeof v === 'number' ? String(v) : v),
    z.string().check(z.refine((s) => s.trim().length > 0, 'empty')),
  ),
  // No email (missing, null, "None", blank) is a fact about the account, not a broken answer.
  email: z.pipe(optText, z.transform((s) => s.trim())),
  first_name: optText,
  last_name: optText,
  // Only a real null / missing is ''; the string "None" is kept as 'none' so the report can tell them apart.
  role: z.preprocess((v) => (v === null || v === undefined ? '' : v), z.pipe(z.string(), z.transform((s) => s.trim().toLowerCase()))),
  pending: boolish,
  is_service_account: boolish,
  disabled: boolish,
});

export function toSecodaUser(v: z.infer<typeof SecodaUserRecord>): SecodaUser {
  return {
    id: v.id,
    first_name: v.first_name,
    last_name: v.last_name,
    email: v.email,
    role: v.role,
    pending: v.pending,
    is_service_account: v.is_service_account,
    disabled: v.disabled,
  };
}

/** A list record as the adapter reads it: checked, cleaned up, then a SecodaUser. */
export const SecodaUserSchema = z.pipe(SecodaUserRecord, z.transform(toSecodaUser));

/** boolish without zod: undefined when the schema would refuse the value. */
function readBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (isNone(v)) return false;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    return s === 'true' ? true : s === 'false' ? false : undefined;
  }
  return v === 0 || v === 1 ? v === 1 : undefined;
}

/** optText without zod. */
const readText = (v: unknown): string | undefined => (isNone(v) ? '' : typeof v === 'string' ? v : undefined);

/** What `SecodaUserRecord` then `toSecodaUser` make of `raw`; undefined when not sure (the schema decides then). */
export function readSecodaUserFast(raw: unknown): SecodaUser | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'number' ? String(r.id) : r.id;
  if (typeof id !== 'string' || isNone(id) || id.trim().length === 0) return undefined;
  const email = readText(r.email);
  const first = readText(r.first_name);
  const last = readText(r.last_name);
  const role = r.role === null || r.role === undefined ? '' : typeof r.role === 'string' ? r.role.trim().toLowerCase() : undefined;
  const pending = readBool(r.pending);
  const service = readBool(r.is_service_account);
  const disabled = readBool(r.disabled);
  if (email === undefined || first === undefined || last === undefined || role === undefined) return undefined;
  if (pending === undefined || service === undefined || disabled === undefined) return undefined;
  return { id, first_name: first, last_name: last, email: email.trim(), role, pending, is_service_account: service, disabled };
}
