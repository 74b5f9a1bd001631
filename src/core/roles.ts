/**
 * Role mapping between a source's roles and a target's roles, and ranking of
 * target roles. Generic: the vocabularies themselves (which roles exist, which
 * is the admin, which the sync never manages) come from the adapters' side.
 */

/** A target side's roles as the plan needs them. */
export interface RoleVocabulary {
  /** How messages name the side ("Secoda"). */
  name: string;
  /** Roles the sync may grant, highest first: decides downgrade vs upgrade. */
  roles: readonly string[];
  /** The role that must never drop to zero active holders. */
  adminRole: string;
  /** Roles the side has that the sync never manages (left alone, reported as skipped). */
  unmanaged: readonly string[];
}

/** Ordered pairs: the first pair whose source role a member holds wins. */
export type RoleMap = ReadonlyArray<{ from: string; to: string }>;

export class RoleMapError extends Error {
  override name = 'RoleMapError';
}

export interface RoleMapSyntax {
  /** How the source side is named in an entry's expected shape ("org" -> "orgRole"). */
  sourceName: string;
  target: RoleVocabulary;
  /** An example shown when the text holds no pair at all. */
  example: string;
}

export function parseRoleMap(text: string, syntax: RoleMapSyntax): RoleMap {
  const { target } = syntax;
  const pairs: { from: string; to: string }[] = [];
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new RoleMapError(`is empty; expected pairs like "${syntax.example}"`);
  for (const entry of entries) {
    const parts = entry.split(':').map((s) => s.trim().toLowerCase());
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new RoleMapError(`has a malformed entry "${entry}"; expected ${syntax.sourceName}Role:${target.name.toLowerCase()}Role`);
    }
    const [from, to] = parts as [string, string];
    if (!target.roles.includes(to)) {
      throw new RoleMapError(`maps "${from}" to "${to}", which is not a ${target.name} role the sync may grant (${target.roles.join(', ')})`);
    }
    if (pairs.some((p) => p.from === from)) throw new RoleMapError(`lists the ${syntax.sourceName} role "${from}" twice`);
    pairs.push({ from, to });
  }
  return pairs;
}

/** The target role for a member holding `sourceRoles`, or null when none is mapped. */
export function mapRole(sourceRoles: readonly string[], map: RoleMap): string | null {
  const held = new Set(sourceRoles.map((r) => r.trim().toLowerCase()));
  for (const pair of map) if (held.has(pair.from)) return pair.to;
  return null;
}

/** Rank of a target role in `order` (highest first): 0 is highest. Unknown roles rank below every known one. */
export function roleRank(role: string | null | undefined, order: readonly string[]): number {
  if (!role) return order.length + 1;
  const i = order.indexOf(role);
  return i === -1 ? order.length : i;
}
