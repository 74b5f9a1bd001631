import { memberKey, type Member, type OrgUser, type SecodaUser } from './member.js';
import { mapRole, roleRank, type RoleMap, type TargetRole } from './roles.js';

export interface OrgNormaliseOptions {
  roleMap: RoleMap;
  /** Role for members whose org roles map to nothing; null leaves them out of the sync. */
  defaultRole: TargetRole | null;
}

/**
 * Org users -> members with a target role. An email seen twice counts once,
 * with the highest role any of its records maps to.
 */
export function orgUsersToMembers(users: readonly OrgUser[], options: OrgNormaliseOptions): Member[] {
  const byKey = new Map<string, Member>();
  for (const user of users) {
    const key = memberKey(user.email);
    const role = mapRole(user.roles, options.roleMap) ?? options.defaultRole;
    const member: Member = {
      key,
      email: user.email.trim(),
      name: user.name.trim(),
      role,
      id: user.id,
      ...(role === null ? { exclusion: 'unmapped_role' as const } : {}),
    };
    const seen = byKey.get(key);
    if (!seen || roleRank(member.role) < roleRank(seen.role)) byKey.set(key, member);
  }
  return [...byKey.values()];
}

/** Secoda users -> members; service accounts, guests and disabled users are marked as outside the sync. */
export function secodaUsersToMembers(users: readonly SecodaUser[]): Member[] {
  return users.map((user) => {
    const role = user.role.toLowerCase();
    // Disabled first: a disabled account, service or not, can administer nothing.
    const exclusion = user.disabled
      ? ('disabled' as const)
      : user.is_service_account
        ? ('service_account' as const)
        : role === 'guest'
          ? ('guest' as const)
          : undefined;
    return {
      key: memberKey(user.email),
      email: user.email.trim(),
      name: [user.first_name, user.last_name].filter(Boolean).join(' ').trim(),
      role,
      id: user.id,
      pending: user.pending,
      ...(exclusion ? { exclusion } : {}),
    };
  });
}

/** Secoda's invite takes first and last name: first word, then the rest. */
export function splitName(name: string): { first_name: string; last_name: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return { first_name: words[0] ?? '', last_name: words.slice(1).join(' ') };
}

/**
 * PROTECTED_EMAILS entries: full emails or `@domain` suffixes, case-insensitive.
 * Returns a predicate over member keys.
 */
export function protectedMatcher(entries: readonly string[]): (key: string) => boolean {
  const emails = new Set<string>();
  const domains: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry.startsWith('@')) domains.push(entry);
    else emails.add(entry);
  }
  return (key) => emails.has(key) || domains.some((d) => key.endsWith(d));
}
