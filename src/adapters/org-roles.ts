/** Org roles the org-user-management API documents, highest first; ORG_ROLE_NAMES adds a deployment's own. */
export const KNOWN_ORG_ROLES = ['admin', 'developer', 'analyst'] as const;
