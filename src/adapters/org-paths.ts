/**
 * Every path of the org-user-management API, in one place (see
 * ../shared/api/NOTES.md). Paths are relative to ORG_API_URL, which carries
 * any version prefix (e.g. https://org.example.com/v1): no leading slash.
 * A deployment with other paths is a change here only.
 */
import { segment } from './path-segment.js';

export const ORG_PATHS = {
  /** GET: {created_at, id, name, short_name, updated_at} */
  organization: () => 'organization',
  /** GET: {email, id, name, roles} */
  me: () => 'users/me',
  /** GET ?page_number=N&page_size=S: {count, items} */
  users: () => 'organization/users',
  /** GET: a user; DELETE: remove */
  user: (id: string) => `organization/users/${segment(id)}`,
  /** PUT: JSON array of roles (replaces them) */
  userRoles: (id: string) => `organization/users/${segment(id)}/roles`,
  /** POST {connection, email, name, roles} */
  invite: () => 'organization/users/invite',
  /** POST */
  resetPassword: (id: string) => `organization/users/${segment(id)}/reset-password`,
} as const;

/** Query parameter names of the list call. */
export const ORG_LIST_PARAMS = { pageNumber: 'page_number', pageSize: 'page_size' } as const;

/** The API's maximum page size. */
export const ORG_MAX_PAGE_SIZE = 100;
