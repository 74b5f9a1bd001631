/**
 * Reading a paginated Secoda list other than the users' (the groups): the
 * same envelope, quirks and completeness rules as the user list (secoda.ts):
 * follow `meta.next_page`, else the `page` query of `links.next`, against OUR
 * base URL; "None" for null; a next page already read or a list that does not
 * end -> BadResponseError; fewer unique records than `count` or fewer pages
 * than `total_pages` -> read once more, then IncompleteReadError. A record
 * the parser refuses fails the whole read (named by page and index).
 */
import { z } from 'zod';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { badResponse, describeIssues, IncompleteReadError } from './common.js';
import { SECODA_PAGE_PARAM } from './secoda-paths.js';
import { isNone } from './secoda-records.js';

const ListEnvelope = z.object({
  results: z.array(z.unknown()),
  count: z.unknown().optional(),
  total_pages: z.unknown().optional(),
  meta: z.unknown().optional(),
  links: z.unknown().optional(),
});

const asCount = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
}

function pageNumberOf(v: unknown): number | null | 'bad' {
  if (isNone(v) || v === '' || v === false) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : 'bad';
}

export interface PagedList<T> {
  /** Names the records in messages ("group"). */
  noun: string;
  path: string;
  parse: z.ZodType<T>;
  idOf: (item: T) => string;
}

interface Read<T> {
  items: T[];
  pages: number;
  reportedItems: number | null;
  reportedPages: number | null;
  last: HttpResponse;
}

export async function readPagedList<T>(client: HttpClient, list: PagedList<T>, onPage?: (p: { page: number; fetched: number; count?: number }) => void): Promise<T[]> {
  const { noun } = list;
  const nextPageOf = (env: z.infer<typeof ListEnvelope>, page: number, res: HttpResponse): number | null => {
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

  const readAll = async (): Promise<Read<T>> => {
    const items: T[] = [];
    const positionOf = new Map<string, number>();
    const visited = new Set<number>();
    let maxPages = 10_000;
    let reportedItems: number | null = null;
    let reportedPages: number | null = null;
    for (let page = 1; ; ) {
      visited.add(page);
      const res = await client.request({ method: 'GET', path: list.path, searchParams: { [SECODA_PAGE_PARAM]: page } });
      const env = ListEnvelope.safeParse(res.body);
      if (!env.success) throw badResponse(client, 'GET', res, `a malformed ${noun} list on page ${page}: no "results" array`);
      env.data.results.forEach((raw, index) => {
        const r = list.parse.safeParse(raw);
        if (!r.success) throw badResponse(client, 'GET', res, `a malformed ${noun} on page ${page}, record ${index}: ${describeIssues(r.error)}`);
        const id = list.idOf(r.data);
        const seen = positionOf.get(id);
        if (seen === undefined) {
          positionOf.set(id, items.length);
          items.push(r.data);
        } else items[seen] = r.data;
      });
      const count = asCount(env.data.count);
      const totalPages = asCount(env.data.total_pages);
      if (count !== null) reportedItems = Math.max(reportedItems ?? 0, count);
      if (totalPages !== null) reportedPages = Math.max(reportedPages ?? 0, totalPages);
      const n = env.data.results.length;
      if (page === 1) {
        if (totalPages !== null) maxPages = totalPages + 10;
        else if (count !== null && count > n && n > 0) maxPages = Math.ceil(count / n) + 10;
      }
      onPage?.({ page, fetched: items.length, ...(count !== null ? { count } : {}) });
      const next = nextPageOf(env.data, page, res);
      if (next === null) return { items, pages: visited.size, reportedItems, reportedPages, last: res };
      if (visited.has(next)) throw badResponse(client, 'GET', res, `a ${noun} list that loops: page ${page} points to page ${next}, which was already read`);
      if (visited.size >= maxPages) throw badResponse(client, 'GET', res, `a ${noun} list that does not end: still a next page after ${visited.size} pages`);
      page = next;
    }
  };

  const shortfall = (r: Read<T>): string | null => {
    const parts: string[] = [];
    if (r.reportedItems !== null && r.items.length < r.reportedItems) parts.push(`the list reported ${r.reportedItems} ${noun}s (count) but ${r.items.length} unique ${noun}s were collected`);
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
