/**
 * Role mapping between the organization's roles and the target's roles.
 * Kept apart from the plan engine: the engine only compares target roles by rank.
 */

/** Secoda roles the sync may grant, highest first. `guest` is never managed. */
export const TARGET_ROLES = ['admin', 'editor', 'viewer'] as const;
export type TargetRole = (typeof TARGET_ROLES)[number];

/** Every Secoda role the docs name. Anything else ("owner", "None", missing, custom) is outside the sync. */
export const KNOWN_TARGET_ROLES: readonly string[] = [...TARGET_ROLES, 'guest'];

/** Org roles the org-user-management API documents; ORG_ROLE_NAMES adds a deployment's own. */
export const KNOWN_ORG_ROLES = ['admin', 'developer', 'analyst'] as const;

/** Ordered pairs: the first pair whose org role a member holds wins. */
export type RoleMap = ReadonlyArray<{ from: string; to: TargetRole }>;

export class RoleMapError extends Error {
  override name = 'RoleMapError';
}

export function parseRoleMap(text: string): RoleMap {
  const pairs: { from: string; to: TargetRole }[] = [];
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new RoleMapError('is empty; expected pairs like "admin:admin,developer:editor"');
  for (const entry of entries) {
    const parts = entry.split(':').map((s) => s.trim().toLowerCase());
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new RoleMapError(`has a malformed entry "${entry}"; expected orgRole:secodaRole`);
    }
    const [from, to] = parts as [string, string];
    if (!(TARGET_ROLES as readonly string[]).includes(to)) {
      throw new RoleMapError(`maps "${from}" to "${to}", which is not a Secoda role the sync may grant (${TARGET_ROLES.join(', ')})`);
    }
    if (pairs.some((p) => p.from === from)) throw new RoleMapError(`lists the org role "${from}" twice`);
    pairs.push({ from, to: to as TargetRole });
  }
  return pairs;
}

/** The target role for a member holding `orgRoles`, or null when none is mapped. */
export function mapRole(orgRoles: readonly string[], map: RoleMap): TargetRole | null {
  const held = new Set(orgRoles.map((r) => r.trim().toLowerCase()));
  for (const pair of map) if (held.has(pair.from)) return pair.to;
  return null;
}

/** Rank of a target role: 0 is highest. Unknown roles rank below every known one. */
export function roleRank(role: string | null | undefined, order: readonly string[] = TARGET_ROLES): number {
  if (!role) return order.length + 1;
  const i = order.indexOf(role);
  return i === -1 ? order.length : i;
}
