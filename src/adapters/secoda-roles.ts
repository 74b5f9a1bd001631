/**
 * Secoda's role vocabulary, as the sync sees it from the target side. The
 * plan engine learns it only through these values, passed in as options.
 */
import { parseRoleMap as parseMap, type RoleMap, type RoleVocabulary } from '../core/roles.js';

/** Secoda roles the sync may grant, highest first. */
export const SECODA_ROLES = ['admin', 'editor', 'viewer'] as const;
export type SecodaRole = (typeof SECODA_ROLES)[number];

export const SECODA_VOCABULARY: RoleVocabulary = {
  name: 'Secoda',
  roles: SECODA_ROLES,
  adminRole: 'admin',
  // A guest is invited by hand for limited access: never re-roled, deleted or invited.
  unmanaged: ['guest'],
};

/** Every Secoda role the docs name. Anything else ("owner", "None", missing, custom) is outside the sync. */
export const KNOWN_SECODA_ROLES: readonly string[] = [...SECODA_VOCABULARY.roles, ...SECODA_VOCABULARY.unmanaged];

/** ROLE_MAP: org roles onto the Secoda roles the sync may grant. */
export function parseRoleMap(text: string): RoleMap {
  return parseMap(text, { sourceName: 'org', target: SECODA_VOCABULARY, example: 'admin:admin,developer:editor' });
}
