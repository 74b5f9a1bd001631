/**
 * Every path of the org-user-management API we use, in one place (see
 * ../shared/api/NOTES.md). Paths are relative to ORG_API_URL, which carries
 * any version prefix (e.g. https://org.example.com/v1): no leading slash.
 * A deployment with other paths is a change here only.
 */
import { segment } from './path-segment.js';

export const ORG_PATHS = {
  /** GET ?page_number=N&page_size=S: {count, items} */
  users: () => 'organization/users',
  /** GET: a user, with its roles */
  user: (id: string) => `organization/users/${segment(id)}`,
} as const;

/** Query parameter names of the list call. */
export const ORG_LIST_PARAMS = { pageNumber: 'page_number', pageSize: 'page_size' } as const;

/** The API's maximum page size. */
export const ORG_MAX_PAGE_SIZE = 100;
