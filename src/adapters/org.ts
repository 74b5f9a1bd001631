/**
 * Adapter for the org-user-management API (the source). Paths: ./org-paths.ts.
 *
 * listUsers pages through `GET organization/users` and validates with zod:
 * - a page that is not `{count: non-negative integer, items: array}` aborts
 *   the pull with BadResponseError naming the page;
 * - a record that is not `{id?: string|number, email: string with '@',
 *   name?: string, roles: string[]}` is collected in `invalid` (page, index,
 *   short problem, never the record itself) and the pull goes on.
 * Paging stops on a short (or empty) page, or when page*pageSize >= count.
 * A hard cap (ceil(count/pageSize) + 10 pages, count of page 1) turns a
 * server that never stops into BadResponseError instead of an endless loop.
 */
import { z } from 'zod';
import type { OrgUser } from '../core/member.js';
import type { HttpClient } from '../http/client.js';
import { ORG_LIST_PARAMS, ORG_MAX_PAGE_SIZE, ORG_PATHS } from './org-paths.js';
import { badResponse, describeIssues, resolveExistingOnInvite, saysAlreadyExists, statusError } from './common.js';

export interface OrgPageProgress {
  /** 1-based page just read. */
  page: number;
  /** Records read so far (valid and invalid). */
  fetched: number;
  /** `count` reported by this page. */
  count: number;
}

export interface OrgInvalidRecord {
  page: number;
  /** 0-based index within the page. */
  index: number;
  /** Short description, e.g. "email: expected string, received undefined". Never the record. */
  problem: string;
}

export interface OrgPull {
  /** Valid records, in page order (duplicates kept). */
  users: OrgUser[];
  invalid: OrgInvalidRecord[];
  /** `count` of the first page. */
  reportedCount: number;
  pages: number;
}

export interface OrgAdapterOptions {
  /** 1..100, default 100. */
  pageSize?: number;
  /** `connection` sent with an invite. Default 'google-oauth2' (the API's documented default); null = username/password. */
  inviteConnection?: 'google-oauth2' | null;
}

/** An invited user; `alreadyExisted` is set when an ambiguous earlier attempt had in fact created it. */
export type OrgInviteResult = OrgUser & { alreadyExisted?: true };

export interface OrgAdapter {
  listUsers(onPage?: (p: OrgPageProgress) => void): Promise<OrgPull>;
  /** POST organization/users/invite; ambiguous-failure safe like the Secoda invite. */
  invite(u: { email: string; name: string; roles: string[] }): Promise<OrgInviteResult>;
  /** PUT organization/users/{id}/roles (replaces the roles). */
  setRoles(id: string, roles: string[]): Promise<void>;
  /** DELETE organization/users/{id}; 404 counts as done. */
  remove(id: string): Promise<void>;
}

const Envelope = z.object({
  count: z.number().int().nonnegative(),
  items: z.array(z.unknown()),
});

export const OrgUserRecord = z.object({
  id: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) => (v === null || v === undefined ? '' : String(v))),
  email: z
    .string()
    .refine((e) => e.trim().length > 0, 'empty')
    .refine((e) => e.trim().length === 0 || e.includes('@'), 'not an email address'),
  name: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  roles: z.array(z.string()),
});

function toOrgUser(v: z.infer<typeof OrgUserRecord>): OrgUser {
  return { id: v.id, email: v.email, name: v.name, roles: v.roles };
}

export function createOrgAdapter(client: HttpClient, opts: OrgAdapterOptions = {}): OrgAdapter {
  const pageSize = opts.pageSize ?? ORG_MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > ORG_MAX_PAGE_SIZE) {
    throw new RangeError(`org page size must be an integer from 1 to ${ORG_MAX_PAGE_SIZE} (got ${pageSize})`);
  }
  const connection = opts.inviteConnection === undefined ? 'google-oauth2' : opts.inviteConnection;

  async function listUsers(onPage?: (p: OrgPageProgress) => void): Promise<OrgPull> {
    const users: OrgUser[] = [];
    const invalid: OrgInvalidRecord[] = [];
    let reportedCount = 0;
    let maxPages = Infinity;
    let fetched = 0;
    for (let page = 1; ; page++) {
      const res = await client.request({
        method: 'GET',
        path: ORG_PATHS.users(),
        searchParams: { [ORG_LIST_PARAMS.pageNumber]: page, [ORG_LIST_PARAMS.pageSize]: pageSize },
      });
      const env = Envelope.safeParse(res.body);
      if (!env.success) {
        throw badResponse(
          client,
          'GET',
          res,
          `a malformed user list on page ${page}: expected {count: non-negative integer, items: array}; ${describeIssues(env.error)}`,
        );
      }
      const { count, items } = env.data;
      if (page === 1) {
        reportedCount = count;
        maxPages = Math.ceil(count / pageSize) + 10;
      }
      items.forEach((item, index) => {
        const r = OrgUserRecord.safeParse(item);
        if (r.success) users.push(toOrgUser(r.data));
        else invalid.push({ page, index, problem: describeIssues(r.error) });
      });
      fetched += items.length;
      onPage?.({ page, fetched, count });
      if (items.length < pageSize || page * pageSize >= count) {
        return { users, invalid, reportedCount, pages: page };
      }
      if (page >= maxPages) {
        throw badResponse(
          client,
          'GET',
          res,
          `full user list pages beyond its reported count (${reportedCount} users, still full at page ${page}); stopped`,
        );
      }
    }
  }

  async function invite(u: { email: string; name: string; roles: string[] }): Promise<OrgInviteResult> {
    const method = 'POST';
    const res = await client.request({
      method,
      path: ORG_PATHS.invite(),
      json: { connection, email: u.email, name: u.name, roles: u.roles },
      acceptStatus: [400, 409],
    });
    if (res.status >= 200 && res.status < 300) {
      const r = OrgUserRecord.safeParse(res.body);
      // The reference documents no answer body for an invite: fall back to what we sent.
      return r.success ? toOrgUser(r.data) : { id: '', email: u.email, name: u.name, roles: [...u.roles] };
    }
    if (!saysAlreadyExists(res)) throw statusError(client, method, res);
    return resolveExistingOnInvite(client, method, res, u.email, async () => (await listUsers()).users);
  }

  async function setRoles(id: string, roles: string[]): Promise<void> {
    await client.request({ method: 'PUT', path: ORG_PATHS.userRoles(id), json: roles });
  }

  async function remove(id: string): Promise<void> {
    await client.request({ method: 'DELETE', path: ORG_PATHS.user(id), acceptStatus: [404] });
  }

  return { listUsers, invite, setRoles, remove };
}
