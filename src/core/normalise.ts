import { memberKey, type Member, type SourceUser } from './member.js';
import { mapRole, roleRank, type RoleMap } from './roles.js';
import { groupKey, mapGroups, type GroupMap } from './groups.js';

export interface OrgNormaliseOptions {
  roleMap: RoleMap;
  /** Role for members whose org roles map to nothing; null leaves them out of the sync. */
  defaultRole: string | null;
  /** Target roles, highest first: an email seen twice keeps its highest. */
  roleOrder: readonly string[];
  /** GROUP_MAP; absent: members carry no groups. */
  groupMap?: GroupMap;
}

/**
 * Source users -> members with a target role. An email seen twice counts once,
 * with the highest role any of its records maps to.
 */
export function orgUsersToMembers(users: readonly SourceUser[], options: OrgNormaliseOptions): Member[] {
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
    if (options.groupMap) {
      // An email seen twice belongs to the groups of every one of its records.
      const groups = [...(seen?.groups ?? []), ...mapGroups(user.roles, options.groupMap)];
      member.groups = groups.filter((g, i) => groups.findIndex((x) => groupKey(x) === groupKey(g)) === i);
      if (seen) seen.groups = member.groups;
    }
    if (!seen || roleRank(member.role, options.roleOrder) < roleRank(seen.role, options.roleOrder)) byKey.set(key, member);
  }
  return [...byKey.values()];
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
