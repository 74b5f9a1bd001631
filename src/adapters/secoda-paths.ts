/**
 * Every path of the Secoda API we use, in one place. Relative to the Secoda
 * base URL (https://api.secoda.co, https://eapi.secoda.co, ...), no leading
 * slash. Trailing slashes as Secoda's troubleshooting advice recommends.
 */
import { segment } from './path-segment.js';

export const SECODA_PATHS = {
  /** GET ?page=N: list; POST: create (= invite) */
  users: () => 'api/v1/user/',
  /** GET | PATCH | DELETE */
  user: (id: string) => `api/v1/user/${segment(id)}/`,
  /** GET ?page=N: list; POST: create (secoda-groups.txt) */
  groups: () => 'api/v1/auth/group/',
  /** GET | PATCH | DELETE */
  group: (id: string) => `api/v1/auth/group/${segment(id)}/`,
} as const;

/** Query parameter of the list call (1-based). */
export const SECODA_PAGE_PARAM = 'page';
