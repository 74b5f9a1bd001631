/**
 * Secoda's user record: the wire shape after payload validation and quirk
 * clean-up ("None", "True"). Only the Secoda adapter sees it.
 */
import { z } from 'zod';

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
    z.string().refine((s) => s.trim().length > 0, 'empty'),
  ),
  // No email (missing, null, "None", blank) is a fact about the account, not a broken answer.
  email: optText.transform((s) => s.trim()),
  first_name: optText,
  last_name: optText,
  // Only a real null / missing is ''; the string "None" is kept as 'none' so the report can tell them apart.
  role: z.preprocess((v) => (v === null || v === undefined ? '' : v), z.string().transform((s) => s.trim().toLowerCase())),
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

