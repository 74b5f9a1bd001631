/**
 * Pages of a list fetched concurrently, handed over in page order.
 *
 * A list whose first page says how many pages there are (`plannedLast`) has
 * the rest fetched several at a time; the reader still sees page 2, then 3,
 * ... and runs every check of a sequential read (short page, repeats, loop,
 * page cap) on them in that order, so the result does not depend on which
 * answer came first. Pages past `plannedLast` are fetched one at a time,
 * each only after the previous one was handed over (the list grew while
 * being read: it ends on a short page, as any read does). Without a plan
 * (`plannedLast` null: a `count` that may be per page) up to `concurrency`
 * pages are fetched ahead: at most that many requests beyond the end.
 *
 * The reader stops by leaving the loop (a short page, an error): every fetch
 * still in flight is cancelled through the signal, and its outcome dropped.
 * A failed fetch surfaces only when its page is reached, so a page fetched
 * speculatively past the real end (a 404, say) never fails a read.
 *
 * At most `2 × concurrency` pages are held (in flight or waiting for the
 * reader), so memory stays bounded when one page is slow; the HTTP client's
 * own concurrency limit and rate gate pace the requests further.
 */
import { setMaxListeners } from 'node:events';

export interface PagesInOrderOptions<T> {
  /** First page to fetch (the caller has usually read page 1 itself). */
  from: number;
  /** Last page the list announced, or null when it did not (fetch ahead blindly). */
  plannedLast: number | null;
  /** Never fetch a page above this one (the caller's page cap). */
  maxPage: number;
  /** Pages requested at once (>= 1). */
  concurrency: number;
  fetch(page: number, signal: AbortSignal): Promise<T>;
}

export async function* pagesInOrder<T>(o: PagesInOrderOptions<T>): AsyncGenerator<{ page: number; value: T }, void, void> {
  const stop = new AbortController();
  // Every page held listens to this one signal (2 × concurrency of them, more than Node's default warning level).
  setMaxListeners(0, stop.signal);
  const width = Math.max(1, Math.floor(o.concurrency));
  const held = new Map<number, Promise<T>>();
  let nextToFetch = o.from;
  /** Pages handed to the reader so far (the last one's number). */
  let handed = o.from - 1;

  const fill = () => {
    while (nextToFetch <= o.maxPage && held.size < 2 * width) {
      const beyondPlan = o.plannedLast !== null && nextToFetch > o.plannedLast;
      // Past the announced end: one page at a time, only once the previous one was read.
      if (beyondPlan && nextToFetch !== handed + 1) break;
      // No plan: only `width` pages ahead of the reader.
      if (o.plannedLast === null && nextToFetch > handed + width) break;
      const p = o.fetch(nextToFetch, stop.signal);
      p.catch(() => {}); // surfaced when (if) the reader reaches this page
      held.set(nextToFetch, p);
      nextToFetch++;
    }
  };

  try {
    for (let page = o.from; page <= o.maxPage; page++) {
      fill();
      const pending = held.get(page);
      if (!pending) return;
      const value = await pending;
      held.delete(page);
      handed = page;
      yield { page, value };
    }
  } finally {
    stop.abort();
  }
}
