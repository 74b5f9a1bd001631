/**
 * Both APIs read at once (issue 9, item 1), end to end: a run's reads overlap
 * in time, and the all-or-nothing rule still holds — when one API's read
 * fails, the other stops at its next page, the run fails with the first
 * failure, and nothing is written.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** 40 org users (one page), 39 of them in Secoda already (one to invite); Secoda serves 2 a page (20 pages). */
async function setup() {
  h = await startHarness({ secoda: { pageSize: 2 } });
  const emails = ['root@acme.com', ...Array.from({ length: 39 }, (_, i) => `u${i}@acme.com`)];
  h.org.seed(emails.map((email, i) => ({ email, roles: [i === 0 ? 'admin' : 'analyst'] })));
  h.secoda.seed(emails.slice(0, 39).map((email, i) => ({ email, role: i === 0 ? 'admin' : 'viewer' })));
  return h;
}

const secodaLists = (h: Harness) => h.secoda.requests.filter((q) => q.method === 'GET');
const orgLists = (h: Harness) => h.org.requests.filter((q) => q.method === 'GET');

describe('both APIs are read at once', () => {
  it('the two reads overlap, and the run is the same as one read after the other', async () => {
    const h = await setup();
    // Every page takes a while on both sides, so that reads one after the other could not overlap.
    h.org.onPage(() => delay(150));
    h.secoda.onPage(() => delay(20));
    const r = await h.run(['reconcile', '--format', 'json'], { MAX_CONCURRENCY: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().actions.map((a: any) => [a.type, a.email, a.status])).toEqual([['invite', 'u38@acme.com', 'succeeded']]);
    const org = orgLists(h);
    const secoda = secodaLists(h);
    expect(secoda).toHaveLength(20);
    // The Secoda read started before the org read ended.
    expect(Math.min(...secoda.map((q) => q.at))).toBeLessThan(Math.max(...org.map((q) => q.doneAt ?? q.at)));
  });

  it('an org read that fails stops the Secoda read at its next page; the run fails with the org error, nothing written', async () => {
    const h = await setup();
    h.secoda.onPage(() => delay(20));
    h.org.fault({ kind: 'status', status: 400, path: '/organization/users', times: 1 });
    const r = await h.run(['reconcile', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/^org API answered GET .*organization\/users.*: 400/);
    expect(h.writes()).toEqual([]);
    // Stopped long before its 20 pages.
    expect(secodaLists(h).length).toBeLessThan(20);
  });

  it('a Secoda read that fails stops the org read; the run fails with the Secoda error, nothing written', async () => {
    const h = await setup();
    // 250 more org users: 3 pages of 100, each slow.
    h.org.seed(Array.from({ length: 250 }, (_, i) => ({ email: `more${i}@acme.com`, roles: ['analyst'] })));
    h.org.onPage(() => delay(100));
    h.secoda.fault({ kind: 'status', status: 403, path: '/api/v1/user/', times: 1 });
    const r = await h.run(['reconcile', '--format', 'json'], { MAX_CONCURRENCY: '1' });
    expect(r.code).not.toBe(0);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/^secoda API refused GET/);
    expect(h.writes()).toEqual([]);
    // Stopped at page 1: the pages it announced were never asked for.
    expect(orgLists(h).length).toBeLessThan(3);
  });
});
