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
  /** Set when the member is outside the sync; the reason is reported as skipped. */
  exclusion?: Exclusion;
}

export type Exclusion = 'service_account' | 'guest' | 'disabled' | 'protected' | 'unmapped_role';

/** A user of the org-user-management API, after payload validation. */
export interface OrgUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
}

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

export function memberKey(email: string): string {
  return email.trim().toLowerCase();
}
