/**
 * Secoda's users as members of the target: which accounts are outside the
 * sync, and the name split Secoda's invite wants.
 */
import { idKey, memberKey, type Exclusion, type Member } from '../core/member.js';
import { KNOWN_SECODA_ROLES } from './secoda-roles.js';
import type { SecodaUser } from './secoda-records.js';

/**
 * Secoda users -> members. Outside the sync (reported as skipped, never acted on):
 * - an account with no email (it cannot be matched to anyone);
 * - every account of an email that two or more accounts share (case variants):
 *   which one is the person is a human's call, and neither may hide or shield
 *   the other (e.g. a pending twin absorbing the last-admin guard);
 * - disabled users, service accounts, guests;
 * - a role the docs don't name ("owner", "None", missing, custom): acting on it
 *   would mean guessing its rank.
 * The same id listed twice (a page boundary shifting) is one account.
 */
export function secodaUsersToMembers(users: readonly SecodaUser[]): Member[] {
  const seen = new Set<string>();
  const unique = users.filter((u) => !seen.has(u.id) && Boolean(seen.add(u.id)));
  const idsByKey = new Map<string, number>();
  for (const u of unique) {
    if (!u.email.trim()) continue;
    const key = memberKey(u.email);
    idsByKey.set(key, (idsByKey.get(key) ?? 0) + 1);
  }
  return unique.map((user) => {
    const email = user.email.trim();
    return secodaUserToMember(user, email !== '' && idsByKey.get(memberKey(email))! > 1);
  });
}

/**
 * One Secoda user as a member; `duplicate`: another account of the list has
 * its email. Alone (a write's answer), a user has no twin. Not a one-user
 * list given to secodaUsersToMembers: V8 kept entering that function's loop
 * code compiled for a 20,000-user list and throwing it away again, ~0.3 ms a
 * write (issue 9, profiled).
 */
export function secodaUserToMember(user: SecodaUser, duplicate = false): Member {
  const email = user.email.trim();
  const role = user.role.trim().toLowerCase();
  const key = email ? memberKey(email) : idKey(user.id);
  // Disabled before the rest: a disabled account, service or not, can administer nothing.
  const exclusion: Exclusion | undefined = !email
    ? 'no_email'
    : duplicate
      ? 'duplicate'
      : user.disabled
        ? 'disabled'
        : user.is_service_account
          ? 'service_account'
          : !KNOWN_SECODA_ROLES.includes(role)
            ? 'unknown_role'
            : role === 'guest'
              ? 'guest'
              : undefined;
  const label = !email ? `(no email) Secoda id ${user.id}` : duplicate ? `${email} (Secoda id ${user.id})` : undefined;
  return {
    key,
    email,
    name: [user.first_name, user.last_name].filter(Boolean).join(' ').trim(),
    role,
    id: user.id,
    pending: user.pending,
    ...(user.disabled ? { disabled: true } : {}),
    ...(user.is_service_account ? { serviceAccount: true } : {}),
    ...(exclusion ? { exclusion } : {}),
    ...(label ? { label } : {}),
  };
}

/** Secoda's invite takes first and last name: first word, then the rest. */
export function splitName(name: string): { first_name: string; last_name: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return { first_name: words[0] ?? '', last_name: words.slice(1).join(' ') };
}
