/** Parsers of the role variables (ROLE_MAP, DEFAULT_ROLE, ORG_ROLE_NAMES); each throws a message completing "VARIABLE ...". */
import { KNOWN_ORG_ROLES } from '../adapters/org-roles.js';
import { parseRoleMap, SECODA_ROLES, type SecodaRole } from '../adapters/secoda-roles.js';
import type { RoleMap } from '../core/roles.js';

/** Org roles ROLE_MAP may name: the documented ones plus a deployment's own. */
export function parseOrgRoleNames(text: string): string[] {
  const extra = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = extra.find((name) => name.includes(':'));
  if (bad !== undefined) throw new Error(`has "${bad}": an org role name cannot contain ":" (ROLE_MAP separates with it)`);
  return [...new Set([...KNOWN_ORG_ROLES, ...extra])];
}

/** A ROLE_MAP entry naming an org role the API doesn't have (a typo) would silently map nobody. */
export function parseKnownRoleMap(text: string, known: readonly string[]): RoleMap {
  const map = parseRoleMap(text);
  const unknown = map.filter((p) => !known.includes(p.from));
  if (unknown.length > 0) {
    const entries = unknown.map((p) => `"${p.from}:${p.to}"`).join(', ');
    throw new Error(
      `has ${unknown.length === 1 ? 'an entry' : 'entries'} ${entries} naming an org role the org API does not know ` +
        `(known: ${known.join(', ')}); fix the spelling, or list the role in ORG_ROLE_NAMES`,
    );
  }
  return map;
}

/** null ("none") leaves unmapped members out of the sync. */
export function parseDefaultRole(text: string): SecodaRole | null {
  const role = text.toLowerCase();
  if (role === 'none') return null;
  if (role === 'admin') {
    throw new Error('must not be admin: every member whose org roles map to nothing (a new role, a typo, an empty role list) would become a Secoda admin; use viewer, editor or none');
  }
  if (!(SECODA_ROLES as readonly string[]).includes(role)) {
    throw new Error(`must be one of editor, viewer or none (got "${text}")`);
  }
  return role as SecodaRole;
}
