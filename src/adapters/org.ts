/**
 * Adapter for the org-user-management API (the source). Paths: ./org-paths.ts.
 *
 * listUsers pages through `GET organization/users` and validates with zod:
 * - a page that is not `{count: non-negative integer, items: array}` aborts
 *   the pull with BadResponseError naming the page;
 * - a record that is not `{id?: string|number, email: string with '@',
 *   name?: string, roles: string[]}` is collected in `invalid` (page, index,
 *   short problem, never the record itself) and the pull goes on.
 *
 * Paging stops on a short (or empty) page only. `count` cannot end it: the
 * reference's sample does not say whether it is the total or the page's item
 * count, and stopping on a per-page count would drop every later page (whose
 * users would then be deleted). Comparing what was collected with `count` is
 * the caller's job (src/app/pull.ts). A `count` larger than page 1 says
 * where the short page should be: pages up to it are fetched `concurrency`
 * at a time (pages-in-order.ts), past it one at a time; a `count` that may be
 * per page plans nothing, and pages are fetched a few ahead. Either way they
 * are taken in page order, and the read ends on the first short page.
 * Against a server that never ends: two
 * full pages in a row that add nobody new (page_number ignored, or a loop),
 * or more than `maxPages` pages, abort with BadResponseError.
 *
 * Roles: the reference documents them on get-user-by-id; its list sample
 * shows items without detail. `rolesFrom` (ORG_ROLES_FROM) says where they
 * come from: 'list' (an item without `roles` is invalid), 'user' (always
 * `GET organization/users/{id}`), 'auto' (the list's roles when an item has
 * them, else that user's record). Per-user reads go through the same client
 * (its concurrency limit and the org rate gate); one that fails, or answers
 * another user or no roles, fails the whole pull before any write.
 */
import * as z from './zod.js';
import type { InvalidRecord, SourcePort, SourcePull, SourceUser } from '../app/ports.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { ORG_LIST_PARAMS, ORG_MAX_PAGE_SIZE, ORG_PATHS } from './org-paths.js';
import { AbortedError, ApiError } from '../http/errors.js';
import { badResponse, describeIssues } from './common.js';
import { OrgUserRecord, readOrgItem, type OrgItemResult, type OrgItemRoles } from './org-records.js';
import { pagesInOrder } from './pages-in-order.js';

export interface OrgPageProgress {
  /** 1-based page just read (the last page while roles are read per user). */
  page: number;
  /** Records read so far (valid and invalid). */
  fetched: number;
  /** `count` reported by this page. */
  count: number;
  /** Users whose roles were read one by one so far, of `rolesToRead` (only while that happens). */
  rolesRead?: number;
  rolesToRead?: number;
}

/** A record of the org API after payload validation: already the source's domain record. */
export type OrgUser = SourceUser;

/** Where users' roles come from (ORG_ROLES_FROM); see the module doc. */
export type OrgRolesFrom = 'auto' | 'list' | 'user';
export const ORG_ROLES_FROM: readonly OrgRolesFrom[] = ['auto', 'list', 'user'];

export interface OrgAdapterOptions {
  /** 1..100, default 100. */
  pageSize?: number;
  /** Default 'auto'. */
  rolesFrom?: OrgRolesFrom;
  /** Users' roles read at once (ORG_ROLES_FROM); the client's own limit applies too. Default 4. */
  concurrency?: number;
  /** Hard stop against a server whose pages never end. Default 10,000 (a million users at 100 a page). */
  maxPages?: number;
}

export interface OrgAdapter extends SourcePort {
  listUsers(onPage?: (p: OrgPageProgress) => void): Promise<SourcePull>;
}

const Envelope = z.object({
  count: z.int().check(z.nonnegative()),
  items: z.array(z.unknown()),
});

/** What Envelope accepts, in the shape every page has. */
function isEnvelope(body: unknown): body is { count: number; items: unknown[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { count, items } = body as Record<string, unknown>;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 && Array.isArray(items);
}

/**
 * One frozen array per distinct role list: most users share one of a few, and
 * a 100k-user pull kept ~8 MB of identical arrays alive for the whole run.
 * Frozen, so a caller that tried to change one user's roles would fail
 * loudly instead of changing everyone's.
 */
function roleListSharer(): (roles: string[]) => string[] {
  const lists = new Map<string, string[]>();
  return (roles) => {
    const key = JSON.stringify(roles);
    let list = lists.get(key);
    if (!list) lists.set(key, (list = Object.freeze(roles) as string[]));
    return list;
  };
}

/** A list page's answer without its body: what errors name. */
type PageAnswer = Pick<HttpResponse, 'url' | 'status' | 'attempts' | 'history'>;

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** What identifies a served item when telling new users from repeats (raw items included). */
function itemKey(item: unknown): string {
  if (typeof item === 'object' && item !== null) {
    const { id, email } = item as Record<string, unknown>;
    if ((typeof id === 'string' && id !== '') || typeof id === 'number') return `id:${id}`;
    if (typeof email === 'string') return `email:${email.trim().toLowerCase()}`;
  }
  return `raw:${JSON.stringify(item)}`;
}

export function createOrgAdapter(client: HttpClient, opts: OrgAdapterOptions = {}): OrgAdapter {
  const pageSize = opts.pageSize ?? ORG_MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > ORG_MAX_PAGE_SIZE) {
    throw new RangeError(`org page size must be an integer from 1 to ${ORG_MAX_PAGE_SIZE} (got ${pageSize})`);
  }
  const rolesFrom = opts.rolesFrom ?? 'auto';
  if (!ORG_ROLES_FROM.includes(rolesFrom)) throw new RangeError(`org roles source must be one of ${ORG_ROLES_FROM.join(', ')} (got ${String(rolesFrom)})`);
  const maxPages = opts.maxPages ?? 10_000;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  const itemRoles: OrgItemRoles = rolesFrom === 'list' ? 'required' : rolesFrom === 'user' ? 'ignored' : 'optional';
  /** A list item as it waits for its page's turn: its key (new users vs repeats) and its reading. */
  type PageItem = { key: string; parsed: OrgItemResult };

  /**
   * One page of the list, its envelope checked and its items parsed as it
   * arrives (a malformed page fails the read when it is reached). Only what
   * the reader needs waits for the page's turn, not the raw JSON and the
   * answer's body: held while earlier pages were still coming, those lived
   * long enough for V8 to promote them to the old generation.
   */
  async function fetchPage(page: number, signal?: AbortSignal): Promise<{ res: PageAnswer; count: number; items: PageItem[] }> {
    const res = await client.request({
      method: 'GET',
      path: ORG_PATHS.users(),
      searchParams: { [ORG_LIST_PARAMS.pageNumber]: page, [ORG_LIST_PARAMS.pageSize]: pageSize },
      ...(signal ? { signal } : {}),
    });
    // The envelope's usual shape is checked by hand (a zod object pass copies every page's items); zod names what is wrong.
    const env = isEnvelope(res.body) ? { success: true as const, data: res.body } : Envelope.safeParse(res.body);
    if (!env.success) {
      throw badResponse(
        client,
        'GET',
        res,
        `a malformed user list on page ${page}: expected {count: non-negative integer, items: array}; ${describeIssues(env.error)}`,
      );
    }
    return {
      res: { url: res.url, status: res.status, attempts: res.attempts, history: res.history },
      count: env.data.count,
      items: env.data.items.map((item) => ({ key: itemKey(item), parsed: readOrgItem(item, itemRoles) })),
    };
  }

  async function listUsers(onPage?: (p: OrgPageProgress) => void): Promise<SourcePull> {
    // Items in page order; `roles` null until known.
    const collected: (Omit<OrgUser, 'roles'> & { roles: string[] | null })[] = [];
    const invalid: InvalidRecord[] = [];
    const seen = new Set<string>();
    const shared = roleListSharer();
    let fetched = 0;
    let fullPagesWithNothingNew = 0;
    let lastCount = 0;

    /** Takes one page in page order; true when it ends the list (a short or empty page). */
    const take = (page: number, { res, count, items }: Awaited<ReturnType<typeof fetchPage>>): boolean => {
      lastCount = count;
      let fresh = 0;
      items.forEach(({ key, parsed: r }, index) => {
        if (!seen.has(key)) fresh++;
        seen.add(key);
        if (!r.success) {
          invalid.push({ page, index, problem: describeIssues(r.error) });
          return;
        }
        const roles = 'roles' in r.data && Array.isArray(r.data.roles) ? r.data.roles : null;
        if (roles === null && r.data.id === '') {
          invalid.push({ page, index, problem: "id: missing, and the item carries no roles (a user's roles are read by id)" });
          return;
        }
        collected.push({ id: r.data.id, email: r.data.email, name: r.data.name, roles: roles && shared(roles) });
      });
      fetched += items.length;
      onPage?.({ page, fetched, count });
      if (items.length < pageSize) return true;
      fullPagesWithNothingNew = fresh === 0 ? fullPagesWithNothingNew + 1 : 0;
      if (fullPagesWithNothingNew >= 2) {
        throw badResponse(
          client,
          'GET',
          res,
          `full user list pages that repeat users already read (pages ${page - 1} and ${page} added nobody new; does it ignore ${ORG_LIST_PARAMS.pageNumber}?); stopped`,
        );
      }
      if (page >= maxPages) {
        throw badResponse(client, 'GET', res, `full user list pages without end (still full at page ${page}, the most read in one pull); stopped`);
      }
      return false;
    };

    const first = await fetchPage(1);
    const reportedCount = first.count;
    let page = 1;
    if (!take(1, first)) {
      // The rest concurrently, checked in page order. Paging still ends on a short page only:
      // a `count` larger than page 1 is a total, and says where the short page should be; one
      // that is not (it may count the page's items) plans nothing, and pages are read a few ahead.
      const plannedLast = first.count > first.items.length ? Math.floor(first.count / pageSize) + 1 : null;
      for await (const next of pagesInOrder({ from: 2, plannedLast, maxPage: maxPages, concurrency, fetch: fetchPage })) {
        page = next.page;
        if (take(next.page, next.value)) break;
      }
    }

    const toRead = collected.filter((u) => u.roles === null);
    const pull: SourcePull = { users: [], invalid, reportedCount, pages: page };
    if (toRead.length > 0 || rolesFrom === 'user') {
      await readRoles(toRead, shared, (done) => onPage?.({ page, fetched, count: lastCount, rolesRead: done, rolesToRead: toRead.length }));
      const why =
        rolesFrom === 'user'
          ? 'ORG_ROLES_FROM=user'
          : toRead.length === collected.length
            ? 'list items carry no roles (ORG_ROLES_FROM=auto)'
            : `${toRead.length} of ${collected.length} list items carry no roles (ORG_ROLES_FROM=auto)`;
      pull.roleReads = {
        requests: toRead.length,
        note: `org roles read from each user's record (GET ${ORG_PATHS.users()}/{id}): ${why}`,
      };
    }
    // In place: a copy of every record would be garbage the size of the org.
    for (const u of collected) u.roles ??= [];
    pull.users = collected as SourceUser[];
    return pull;
  }

  /**
   * Fills in `roles` of each user from GET organization/users/{id},
   * `concurrency` at a time; the client's own limit and rate gate pace them
   * further. Few are queued at once so that the first failure stops the rest
   * promptly (a retried request would otherwise wait behind every other one).
   */
  async function readRoles(
    users: { id: string; email: string; roles: string[] | null }[], shared: (roles: string[]) => string[], progress: (done: number) => void,
  ): Promise<void> {
    const stop = new AbortController();
    let next = 0;
    let done = 0;
    let failure: unknown;
    const readOne = async (u: (typeof users)[number]) => {
      const res = await client.request({ method: 'GET', path: ORG_PATHS.user(u.id), signal: stop.signal });
      const r = OrgUserRecord.safeParse(res.body);
      const problem = !r.success
        ? `a malformed user record (${describeIssues(r.error)})`
        : r.data.id !== u.id
          ? 'the record of another user (a different id)'
          : !sameEmail(r.data.email, u.email)
            ? 'a record whose email differs from the user list'
            : null;
      if (problem || !r.success) throw badResponse(client, 'GET', res, `${problem} when asked for a user's roles`);
      u.roles = shared(r.data.roles);
      progress(++done);
    };
    const worker = async () => {
      while (failure === undefined && next < users.length) {
        try {
          await readOne(users[next++]!);
        } catch (err) {
          // Requests cancelled because another one failed are not the story.
          if (failure === undefined && !(err instanceof AbortedError && stop.signal.aborted)) {
            failure = err;
            stop.abort();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, worker));
    if (failure !== undefined) {
      if (failure instanceof ApiError && !(failure instanceof AbortedError)) {
        failure.message += ` — while reading each user's roles (ORG_ROLES_FROM=${rolesFrom})`;
      }
      throw failure;
    }
  }

  return { listUsers };
}
