/**
 * Reading one of Secoda's paginated lists (users, groups): one reader for
 * every list, so each gets the same envelope checks, quirks and completeness
 * rules.
 *
 * A page without a `results` array, a record the list's parser refuses
 * (named by page and index), a next page already read, a list that does not
 * end -> BadResponseError: reading the target is all-or-nothing.
 *
 * Pagination follows `meta.next_page`, else the `page` query of `links.next`,
 * always requested against OUR base URL (the docs' sample links.next points
 * at another path); "None" means no next page. Page 1 says how many pages
 * there are (`total_pages`, else `count` over its size when that count is
 * larger than the page: otherwise it may be the page's own count); pages
 * 2..N are then fetched concurrently (./pages-in-order.ts) and taken in page
 * order, each still pointing to the next; a page pointing elsewhere is
 * followed from there one page at a time, as a list without totals is.
 *
 * Completeness: a read that collected fewer unique records than any page's
 * `count`, or fewer pages than `total_pages`, is read once more (records
 * moving between pages while we read), then fails with IncompleteReadError.
 * More records than `count` is accepted: records are added while we page,
 * and the schema's "total count of items returned" may be read as a page's
 * count — failing on it would fail every run against such a server, while the
 * harm this guards against (missed users invited again) only comes from fewer.
 */
import type * as z from './zod.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { badResponse, describeIssues, IncompleteReadError } from './common.js';
import { pagesInOrder } from './pages-in-order.js';
import { SECODA_PAGE_PARAM } from './secoda-paths.js';
import { isNone } from './secoda-records.js';

export interface SecodaPageProgress {
  /** 1-based page just read. */
  page: number;
  /** Records read so far. */
  fetched: number;
  /** `count` as reported by the page; absent when the page does not report it. */
  count?: number;
  /** `total_pages` as reported by the page; absent when not reported. */
  totalPages?: number;
}

export interface PagedList<T> {
  /** Names the records in messages ("user", "group"). */
  noun: string;
  path: string;
  parse: z.ZodMiniType<T>;
  /** What `parse` makes of a record it accepts, faster, for the shapes it knows; undefined: ask `parse`. */
  fast?: (raw: unknown) => T | undefined;
  /** A record served on two pages (records added before it while paging) is one record: the later copy wins. */
  idOf: (item: T) => string;
}

export interface ReadOptions {
  onPage?: (p: SecodaPageProgress) => void;
  /** Pages requested at once once page 1 says how many there are (MAX_CONCURRENCY). Default 4. */
  concurrency?: number;
}

/** A list page's answer: its `results` array, and what may say how many there are and what comes next. */
interface Envelope {
  results: unknown[];
  count?: unknown;
  total_pages?: unknown;
  meta?: unknown;
  links?: unknown;
}

const asCount = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** A page number from meta.next_page: number >= 1 or numeric string; null = no next page; 'bad' = malformed. */
function pageNumberOf(v: unknown): number | null | 'bad' {
  if (isNone(v) || v === '' || v === false) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : 'bad';
}

/**
 * A page's answer without its body: what errors name (URL, status, attempt
 * history). Pages fetched concurrently wait for their turn; held with its
 * raw JSON, each waited long enough for V8 to promote that JSON to the old
 * generation, where it stayed until the next full collection (~18 MB of a
 * 100k-user read).
 */
type PageAnswer = Pick<HttpResponse, 'url' | 'status' | 'attempts' | 'history'>;

/** A page as it waits for its turn: the envelope's fields, and each record already parsed (its error, if any, surfaces when the page is taken). */
type Page<T> = Omit<Envelope, 'results'> & { records: ReturnType<z.ZodMiniType<T>['safeParse']>[] };

/** Pages page 1 announces, or null when it does not (see the top of this file). */
function plannedPages(env: Page<unknown>): number | null {
  const totalPages = asCount(env.total_pages);
  if (totalPages !== null) return totalPages;
  const count = asCount(env.count);
  const size = env.records.length;
  return count !== null && size > 0 && count > size ? Math.ceil(count / size) : null;
}

interface Read<T> {
  items: T[];
  pages: number;
  /** Largest `count` / `total_pages` any page reported; null when none did. */
  reportedItems: number | null;
  reportedPages: number | null;
  /** The last page's answer (for the error's URL and attempt history). */
  last: PageAnswer;
}

export async function readPagedList<T>(client: HttpClient, list: PagedList<T>, options: ReadOptions = {}): Promise<T[]> {
  const { noun } = list;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));

  /** Determine the next page, or throw describing why the answer is unusable. */
  const nextPageOf = (env: Page<T>, page: number, res: PageAnswer): number | null => {
    const fromMeta = pageNumberOf(field(env.meta, 'next_page'));
    if (fromMeta === 'bad') throw badResponse(client, 'GET', res, `a malformed ${noun} list on page ${page}: meta.next_page is not a page number`);
    if (fromMeta !== null) return fromMeta;
    const link = field(env.links, 'next');
    if (isNone(link) || link === '') return null;
    if (typeof link !== 'string') throw badResponse(client, 'GET', res, `a malformed ${noun} list on page ${page}: links.next is not a URL`);
    let raw: string | null = null;
    try {
      raw = new URL(link, 'http://placeholder.invalid/').searchParams.get(SECODA_PAGE_PARAM);
    } catch {
      raw = null;
    }
    const fromLink = pageNumberOf(raw);
    if (fromLink === null || fromLink === 'bad') throw badResponse(client, 'GET', res, `a malformed ${noun} list on page ${page}: links.next has no page number`);
    return fromLink;
  };

  /** One page, its envelope checked and its records parsed as it arrives (a malformed page or record fails the read when it is reached). */
  const fetchPage = async (page: number, signal?: AbortSignal): Promise<{ res: PageAnswer; env: Page<T> }> => {
    const res = await client.request({ method: 'GET', path: list.path, searchParams: { [SECODA_PAGE_PARAM]: page }, ...(signal ? { signal } : {}) });
    // Checked by hand: a zod object pass copied every page's results (~10 ms of a 20,000-user read).
    const body = res.body as Record<string, unknown> | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(body.results)) {
      throw badResponse(client, 'GET', res, `a malformed ${noun} list on page ${page}: no "results" array`);
    }
    const { results, count, total_pages, meta, links } = body as unknown as Envelope;
    return {
      res: { url: res.url, status: res.status, attempts: res.attempts, history: res.history },
      env: { count, total_pages, meta, links, records: results.map((raw) => {
        // The fast reading when it is sure of the record, else the schema (which names what is wrong).
        const fast = list.fast?.(raw);
        return fast !== undefined ? { success: true as const, data: fast } : list.parse.safeParse(raw);
      }) },
    };
  };

  const readAll = async (): Promise<Read<T>> => {
    const items: T[] = [];
    const positionOf = new Map<string, number>();
    const visited = new Set<number>();
    let maxPages = 10_000;
    let reportedItems: number | null = null;
    let reportedPages: number | null = null;

    /** Takes one page; returns the next page to read, or null at the end. */
    const take = (page: number, { res, env }: { res: PageAnswer; env: Page<T> }): number | null => {
      visited.add(page);
      env.records.forEach((r, index) => {
        if (!r.success) throw badResponse(client, 'GET', res, `a malformed ${noun} on page ${page}, record ${index}: ${describeIssues(r.error)}`);
        const record = r.data;
        const id = list.idOf(record);
        const seen = positionOf.get(id);
        if (seen === undefined) {
          positionOf.set(id, items.length);
          items.push(record);
        } else items[seen] = record;
      });
      const count = asCount(env.count);
      const totalPages = asCount(env.total_pages);
      // The largest claim of the read: a list that shrinks while we page must not hide a record we skipped.
      if (count !== null) reportedItems = Math.max(reportedItems ?? 0, count);
      if (totalPages !== null) reportedPages = Math.max(reportedPages ?? 0, totalPages);
      const n = env.records.length;
      if (page === 1) {
        if (totalPages !== null) maxPages = totalPages + 10;
        // A count no larger than the first page may be that page's own: no bound from it, or a long list would look endless.
        else if (count !== null && count > n && n > 0) maxPages = Math.ceil(count / n) + 10;
      }
      options.onPage?.({ page, fetched: items.length, ...(count !== null ? { count } : {}), ...(totalPages !== null ? { totalPages } : {}) });
      const next = nextPageOf(env, page, res);
      if (next === null) return null;
      if (visited.has(next)) throw badResponse(client, 'GET', res, `a ${noun} list that loops: page ${page} points to page ${next}, which was already read`);
      if (visited.size >= maxPages) throw badResponse(client, 'GET', res, `a ${noun} list that does not end: still a next page after ${visited.size} pages`);
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
    return { items, pages: visited.size, reportedItems, reportedPages, last };
  };

  const shortfall = (r: Read<T>): string | null => {
    const parts: string[] = [];
    if (r.reportedItems !== null && r.items.length < r.reportedItems) {
      parts.push(`the list reported ${r.reportedItems} ${noun}s (count) but ${r.items.length} unique ${noun}s were collected`);
    }
    if (r.reportedPages !== null && r.pages < r.reportedPages) parts.push(`the list reported ${r.reportedPages} pages (total_pages) but ended after ${r.pages}`);
    return parts.length > 0 ? parts.join('; ') : null;
  };

  let read = await readAll();
  if (shortfall(read) === null) return read.items;
  read = await readAll();
  const short = shortfall(read);
  if (short === null) return read.items;
  const e = badResponse(client, 'GET', read.last, `an incomplete ${noun} list on two reads in a row: ${short}`);
  throw new IncompleteReadError(
    e.message,
    { api: client.api, method: 'GET', url: read.last.url, status: read.last.status, attempts: read.last.attempts, history: read.last.history },
    { users: read.reportedItems, pages: read.reportedPages },
    { users: read.items.length, pages: read.pages },
  );
}
