/**
 * The one member shape both sides are normalised into. The plan engine only
 * ever sees this, so it cannot know (or care) which API is source or target.
 */
export interface Member {
  /** Match key: the email trimmed and lower-cased. */
  key: string;
  /** The email as the API gave it, trimmed. */
  email: string;
  /** Display name ("First Last"). */
  name: string;
  /** Role in the target's vocabulary, lower-case; null when it maps to nothing. */
  role: string | null;
  /** The API's id for this member (needed to change or remove it). */
  id?: string;
  /** Invited but not yet accepted: counts as present, never invited twice. */
  pending?: boolean;
  /** Facts the last-admin guard needs even when another exclusion (e.g. duplicate) is the reported one. */
  disabled?: boolean;
  serviceAccount?: boolean;
  /** Set when the member is outside the sync; the reason is reported as skipped. */
  exclusion?: Exclusion;
  /** Desired side, with GROUP_MAP: the groups the member's source roles map to (GROUP_MAP's spelling). */
  groups?: string[];
  /** How the report names a skipped member when its email alone would not do (no email, duplicate accounts). */
  label?: string;
}

export type Exclusion =
  | 'service_account'
  | 'guest'
  | 'disabled'
  | 'protected'
  | 'unmapped_role'
  /** A target role outside the known ones ("owner", "None", missing, a custom role); `role` keeps it for the report. */
  | 'unknown_role'
  /** An account with an id but no email: `key` is {@link idKey}(id), `email` is ''. */
  | 'no_email'
  /** Two or more target accounts share this key (case variants of one email): all of them are left alone. */
  | 'duplicate';

/**
 * One record of the source as the source port delivers it: validated, not yet
 * mapped to a target role (its roles are in the source's own vocabulary).
 */
export interface SourceUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
}

export function memberKey(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Key of an account without an email. Upper-case "ID": memberKey lower-cases,
 * so no real email can ever produce it, and such an account never matches a
 * desired member (nor blocks one's invitation).
 */
export function idKey(id: string): string {
  return `#ID:${id}`;
}
