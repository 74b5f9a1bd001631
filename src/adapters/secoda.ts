/**
 * Adapter for Secoda's user API (the target). Paths: ./secoda-paths.ts.
 *
 * Reading the target must be all-or-nothing: a page without a `results`
 * array, a record without an id, an unrecognised boolean, a next page
 * already visited -> BadResponseError (names page and record index). A
 * record with an id but no email (a service account, say) is delivered with
 * `email: ''` and roles are delivered as sent (trimmed, lower-cased; '' when
 * missing, 'none' for "None"): what they mean is the core's decision.
 *
 * Completeness: when the pages report `count` or `total_pages`, a read that
 * collects fewer unique users (or pages) is read once more, then fails with
 * IncompleteReadError. More users than `count` is accepted: see listUsers.
 *
 * Quirks accepted (published samples leak Python): "None" for null,
 * "True"/"False" (any case) for booleans, capitalised roles (lower-cased here).
 * Pagination follows `meta.next_page`, else the `page` query of `links.next`,
 * always requested against OUR base URL (the sample's links.next points at
 * another path).
 */
import { z } from 'zod';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { SECODA_PAGE_PARAM, SECODA_PATHS } from './secoda-paths.js';
import { isNone, SecodaUserRecord, toSecodaUser, type SecodaUser } from './secoda-records.js';
import { pagesInOrder } from './pages-in-order.js';
import { badResponse, describeIssues, IncompleteReadError, resolveExistingOnInvite, saysAlreadyExists, statusError } from './common.js';

export { IncompleteReadError } from './common.js';
export type { SecodaUser } from './secoda-records.js';

export interface SecodaPageProgress {
  /** 1-based page just read. */
  page: number;
  /** Users read so far. */
  fetched: number;
  /** `count` as reported by the page; absent when the page does not report it. */
  count?: number;
  /** `total_pages` as reported by the page; absent when not reported. */
  totalPages?: number;
}

/**
 * An invited user. `alreadyExisted: true` means: an earlier attempt of this
 * invite failed ambiguously (timeout, reset, 5xx), a retry was told the email
 * exists, and the user returned is the one found by re-reading the list — the
 * earlier attempt had created it. Absent for a normal creation.
 */
export type SecodaInviteResult = SecodaUser & { alreadyExisted?: true; httpStatus: number };

export interface SecodaInvite {
  email: string;
  first_name: string;
  last_name: string;
  role: string;
  /** Group ids the new user joins (GROUP_MAP); sent as `user_groups` when not empty. */
  user_groups?: string[];
}

export interface SecodaAdapter {
  listUsers(onPage?: (p: SecodaPageProgress) => void): Promise<SecodaUser[]>;
  /** GET api/v1/user/{id}/ (through the read gate): the user's live record; null when Secoda answers 404 (gone). */
  getUser(id: string): Promise<SecodaUser | null>;
  /** POST api/v1/user/. Ambiguous-failure safe; a plain "already exists" is ConflictError (E_CONFLICT). */
  invite(u: SecodaInvite): Promise<SecodaInviteResult>;
  /** PATCH api/v1/user/{id}/ with {"role": role} (lower-cased). */
  setRole(id: string, role: string): Promise<SecodaUser & { httpStatus: number }>;
  /** DELETE api/v1/user/{id}/; 404 counts as done. `httpStatus`: the answer's status (for the record). */
  remove(id: string): Promise<{ httpStatus: number }>;
}

const ListEnvelope = z.object({
  results: z.array(z.unknown()),
  count: z.unknown().optional(),
  total_pages: z.unknown().optional(),
  meta: z.unknown().optional(),
  links: z.unknown().optional(),
});

const asCount = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

/** A page number from meta.next_page: number >= 1 or numeric string; null = no next page; 'bad' = malformed. */
function pageNumberOf(v: unknown): number | null | 'bad' {
  if (isNone(v) || v === '' || v === false) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : 'bad';
}

interface ListRead {
  users: SecodaUser[];
  pages: number;
  /** Largest `count` / `total_pages` any page reported; null when none did. */
  reportedUsers: number | null;
  reportedPages: number | null;
  /** The last page's answer (for the error's URL and attempt history). */
  last: HttpResponse;
}

/** Why a read is short of what its pages claimed, or null when it is not. */
function shortfall(r: ListRead): string | null {
  const parts: string[] = [];
  if (r.reportedUsers !== null && r.users.length < r.reportedUsers) {
    parts.push(`the list reported ${r.reportedUsers} users (count) but ${r.users.length} unique users were collected`);
  }
  if (r.reportedPages !== null && r.pages < r.reportedPages) {
    parts.push(`the list reported ${r.reportedPages} pages (total_pages) but ended after ${r.pages}`);
  }
  return parts.length > 0 ? parts.join('; ') : null;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * Pages page 1 announces: `total_pages`, else `count` over page 1's size when
 * that count is larger than the page (otherwise it may be the page's own).
 */
function plannedPages(env: z.infer<typeof ListEnvelope>): number | null {
  const totalPages = asCount(env.total_pages);
  if (totalPages !== null) return totalPages;
  const count = asCount(env.count);
  const size = env.results.length;
  return count !== null && size > 0 && count > size ? Math.ceil(count / size) : null;
}

export interface SecodaAdapterOptions {
  /** List pages requested at once once page 1 says how many there are (MAX_CONCURRENCY). Default 4. */
  concurrency?: number;
}

export function createSecodaAdapter(client: HttpClient, opts: SecodaAdapterOptions = {}): SecodaAdapter {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  /** Determine the next page, or throw describing why the answer is unusable. */
  function nextPageOf(env: z.infer<typeof ListEnvelope>, page: number, res: HttpResponse): number | null {
    const fromMeta = pageNumberOf(field(env.meta, 'next_page'));
    if (fromMeta === 'bad') {
      throw badResponse(client, 'GET', res, `a malformed user list on page ${page}: meta.next_page is not a page number`);
    }
    if (fromMeta !== null) return fromMeta;
    const link = field(env.links, 'next');
    if (isNone(link) || link === '') return null;
    if (typeof link !== 'string') {
      throw badResponse(client, 'GET', res, `a malformed user list on page ${page}: links.next is not a URL`);
    }
    let raw: string | null = null;
    try {
      raw = new URL(link, 'http://placeholder.invalid/').searchParams.get(SECODA_PAGE_PARAM);
    } catch {
      raw = null;
    }
    const fromLink = pageNumberOf(raw);
    if (fromLink === null || fromLink === 'bad') {
      throw badResponse(client, 'GET', res, `a malformed user list on page ${page}: links.next has no page number`);
    }
    return fromLink;
  }

  /** One page of the list, its envelope checked (a malformed page fails the read when it is reached). */
  async function fetchPage(page: number, signal?: AbortSignal): Promise<{ res: HttpResponse; env: z.infer<typeof ListEnvelope> }> {
    const res = await client.request({ method: 'GET', path: SECODA_PATHS.users(), searchParams: { [SECODA_PAGE_PARAM]: page }, ...(signal ? { signal } : {}) });
    const env = ListEnvelope.safeParse(res.body);
    if (!env.success) throw badResponse(client, 'GET', res, `a malformed user list on page ${page}: no "results" array`);
    return { res, env: env.data };
  }

  /**
   * One read of every page, with what the pages claimed about the whole.
   * Page 1 says how many pages there are (`total_pages`, else `count` over
   * its size): pages 2..N are then fetched concurrently and taken in page
   * order, each still pointing to the next; a page pointing elsewhere is
   * followed from there one page at a time, as a list without totals is.
   */
  async function readAll(onPage?: (p: SecodaPageProgress) => void): Promise<ListRead> {
    const users: SecodaUser[] = [];
    // A user served on two pages (users added before it while paging) is one user: the later copy wins.
    const positionOf = new Map<string, number>();
    const visited = new Set<number>();
    let maxPages = 10_000;
    let reportedUsers: number | null = null;
    let reportedPages: number | null = null;

    /** Takes one page; returns the next page to read, or null at the end. */
    const take = (page: number, { res, env }: Awaited<ReturnType<typeof fetchPage>>): number | null => {
      visited.add(page);
      const results = env.results;
      results.forEach((item, index) => {
        const r = SecodaUserRecord.safeParse(item);
        if (!r.success) {
          throw badResponse(
            client,
            'GET',
            res,
            `a malformed user on page ${page}, record ${index}: ${describeIssues(r.error)}`,
          );
        }
        const user = toSecodaUser(r.data);
        const seen = positionOf.get(user.id);
        if (seen === undefined) {
          positionOf.set(user.id, users.length);
          users.push(user);
        } else users[seen] = user;
      });
      const count = asCount(env.count);
      const totalPages = asCount(env.total_pages);
      // The largest claim of the read: a workspace that shrinks while we page must not hide a user we skipped.
      if (count !== null) reportedUsers = Math.max(reportedUsers ?? 0, count);
      if (totalPages !== null) reportedPages = Math.max(reportedPages ?? 0, totalPages);
      if (page === 1) {
        if (totalPages !== null) maxPages = totalPages + 10;
        // A count no larger than the first page may be that page's own count (the schema's wording
        // allows it): no bound from it, or a long list would look endless.
        else if (count !== null && count > results.length && results.length > 0) maxPages = Math.ceil(count / results.length) + 10;
      }
      onPage?.({
        page,
        fetched: users.length,
        ...(count !== null ? { count } : {}),
        ...(totalPages !== null ? { totalPages } : {}),
      });
      const next = nextPageOf(env, page, res);
      if (next === null) return null;
      if (visited.has(next)) {
        throw badResponse(client, 'GET', res, `a user list that loops: page ${page} points to page ${next}, which was already read`);
      }
      if (visited.size >= maxPages) {
        throw badResponse(client, 'GET', res, `a user list that does not end: still a next page after ${visited.size} pages`);
      }
      return next;
    };

    const first = await fetchPage(1);
    let last = first.res;
    let next = take(1, first);
    // The pages page 1 announced, fetched concurrently; only while each points to the one after it.
    const planned = plannedPages(first.env);
    if (next === 2 && planned !== null && planned > 2) {
      for await (const p of pagesInOrder({ from: 2, plannedLast: planned, maxPage: planned, concurrency, fetch: fetchPage })) {
        last = p.value.res;
        next = take(p.page, p.value);
        if (next !== p.page + 1) break;
      }
    }
    while (next !== null) {
      const p = await fetchPage(next);
      last = p.res;
      next = take(next, p);
    }
    return { users, pages: visited.size, reportedUsers, reportedPages, last };
  }

  /**
   * Every user, or an error. A read that collected fewer unique users than a
   * page's `count`, or fewer pages than `total_pages`, is read once more
   * (users moving between pages while we read); still short, IncompleteReadError.
   * More users than `count` is accepted: users join while we page, and the
   * schema's "total count of items returned" may be read as a page's count —
   * failing on it would fail every run against such a server, while the harm
   * this guards against (missed users invited again) only comes from fewer.
   */
  async function listUsers(onPage?: (p: SecodaPageProgress) => void): Promise<SecodaUser[]> {
    let read = await readAll(onPage);
    if (shortfall(read) === null) return read.users;
    read = await readAll(onPage);
    const short = shortfall(read);
    if (short === null) return read.users;
    const e = badResponse(client, 'GET', read.last, `an incomplete user list on two reads in a row: ${short}`);
    throw new IncompleteReadError(
      e.message,
      { api: client.api, method: 'GET', url: read.last.url, status: read.last.status, attempts: read.last.attempts, history: read.last.history },
      { users: read.reportedUsers, pages: read.reportedPages },
      { users: read.users.length, pages: read.pages },
    );
  }

  function parseUser(res: HttpResponse, method: string): SecodaUser {
    const r = SecodaUserRecord.safeParse(res.body);
    if (!r.success) throw badResponse(client, method, res, `a malformed user: ${describeIssues(r.error)}`);
    return toSecodaUser(r.data);
  }

  async function getUser(id: string): Promise<SecodaUser | null> {
    const res = await client.request({ method: 'GET', path: SECODA_PATHS.user(id), acceptStatus: [404] });
    if (res.status === 404) return null;
    const user = parseUser(res, 'GET');
    // Another user's record for this id would have us write to the wrong person.
    if (user.id !== id) throw badResponse(client, 'GET', res, `user ${user.id} when asked for user ${id}`);
    return user;
  }

  async function invite(u: SecodaInvite): Promise<SecodaInviteResult> {
    const method = 'POST';
    const res = await client.request({
      method,
      path: SECODA_PATHS.users(),
      json: {
        first_name: u.first_name, last_name: u.last_name, email: u.email, role: u.role.trim().toLowerCase(),
        ...(u.user_groups?.length ? { user_groups: u.user_groups } : {}),
      },
      acceptStatus: [400, 409],
    });
    if (res.status >= 200 && res.status < 300) return { ...parseUser(res, method), httpStatus: res.status };
    if (!saysAlreadyExists(res)) throw statusError(client, method, res);
    return { ...(await resolveExistingOnInvite(client, method, res, u.email, listUsers)), httpStatus: res.status };
  }

  async function setRole(id: string, role: string): Promise<SecodaUser & { httpStatus: number }> {
    const method = 'PATCH';
    const wanted = role.trim().toLowerCase();
    let res = await client.request({ method, path: SECODA_PATHS.user(id), json: { role: wanted } });
    const httpStatus = res.status;
    let via = method;
    if (res.body === undefined) {
      // No body (not what the docs say, but harmless): read the user back.
      res = await client.request({ method: 'GET', path: SECODA_PATHS.user(id) });
      via = 'GET';
    }
    const user = parseUser(res, via);
    // The documented PATCH body schema lists only the names: make a silently ignored role visible.
    if (user.role !== wanted) {
      throw badResponse(client, via, res, `user ${id} with role "${user.role}" after setting role "${wanted}": the role was not changed`);
    }
    return { ...user, httpStatus };
  }

  async function remove(id: string): Promise<{ httpStatus: number }> {
    const res = await client.request({ method: 'DELETE', path: SECODA_PATHS.user(id), acceptStatus: [404] });
    return { httpStatus: res.status };
  }

  return { listUsers, getUser, invite, setRole, remove };
}
