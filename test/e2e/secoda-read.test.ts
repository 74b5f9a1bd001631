/**
 * An incomplete Secoda read (issue 7, item 7), end to end: the users a short
 * read misses would be invited again, so a read that stays short of the
 * list's own `count` fails the run before any write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Five org users, all already in Secoda: a complete read plans nothing. */
async function setup(shortReads: { times: number | 'always'; missing?: number }) {
  h = await startHarness({ secoda: { pageSize: 2, shortReads } });
  const emails = ['root@acme.com', ...Array.from({ length: 4 }, (_, i) => `u${i}@acme.com`)];
  h.org.seed(emails.map((email, i) => ({ email, roles: [i === 0 ? 'admin' : 'analyst'] })));
  h.secoda.seed(emails.map((email, i) => ({ email, role: i === 0 ? 'admin' : 'viewer' })));
  return h;
}

/** The pages each read requested, sorted (a read starts at page 1; pages after it are fetched concurrently). */
function readsOf(h: Harness): number[][] {
  const reads: number[][] = [];
  for (const q of h.secoda.requests) {
    const page = Number(q.query.page);
    if (page === 1) reads.push([]);
    reads.at(-1)!.push(page);
  }
  return reads.map((pages) => pages.sort((x, y) => x - y));
}

describe('incomplete Secoda read', () => {
  it('short twice: the run fails before any write (exit 1), the report says reported vs collected', async () => {
    const h = await setup({ times: 'always' });
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(
      /^secoda API sent an incomplete user list on two reads in a row: the list reported 5 users \(count\) but 4 unique users were collected; the list reported 3 pages \(total_pages\) but ended after 2 \(GET .*\/api\/v1\/user\/\?page=2\)$/,
    );
    expect(report.actions).toEqual([]);
    expect(h.writes()).toEqual([]);
    // Read twice, then stopped. Page 2 of a short read ends it; page 3, announced by total_pages, may
    // have been fetched ahead (and was not used: the read is still short).
    const reads = readsOf(h);
    expect(reads).toHaveLength(2);
    for (const pages of reads) expect(pages.slice(0, 2)).toEqual([1, 2]);
  });

  it('short once: the second read is used and nothing is invited again', async () => {
    const h = await setup({ times: 1 });
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().actions).toEqual([]);
    expect(h.writes()).toEqual([]);
    const reads = readsOf(h);
    expect(reads).toHaveLength(2);
    expect(reads[0]!.slice(0, 2)).toEqual([1, 2]);
    expect(reads[1]).toEqual([1, 2, 3]);
  });
});
