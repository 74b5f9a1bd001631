/**
 * 429s: Retry-After in seconds, as an HTTP date, absent, 0, and above the cap. After a 429 the
 * whole API pauses — checked on the simulator's request log: no request to
 * that API arrives after the 429 was answered and before the pause ended
 * (except the few already on their way) — and the run converges.
 *
 * Time is warped (useFaultSuite's warp): the CLI's pauses and the simulators'
 * windows, log times and Retry-After dates run on one clock that skips every
 * wait, so a 2 s pause costs no real time and the log still shows who arrived
 * during it.
 */
import { describe, expect, it } from 'vitest';
import type { RequestLogEntry, RetryAfterMode } from '../../tools/simulators/index.js';
import { isWrite, managedSecoda, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('rate-limit', { warp: true });

/** Timer and clock granularity. */
const TOL_MS = 10;
const CONCURRENCY = 4;

/** When the pause a 429 asks for ends at the latest the client may resume (ms since epoch). */
function pauseEnd(e: RequestLogEntry, nth: number): number {
  const D = e.doneAt!;
  if (e.retryAfter === undefined) return D + 1000 * 2 ** (nth - 1); // rateLimitBaseMs, doubled per 429 of one request
  if (/^\d+$/.test(e.retryAfter)) return D + Number(e.retryAfter) * 1000;
  return Date.parse(e.retryAfter);
}

/**
 * For each 429 of `log`: the requests that arrived after it was answered and
 * before its pause ended. Only those already past the gate when the 429 came
 * back may do so: at most `othersInFlight` (CONCURRENCY - 1; 0 when requests
 * go one at a time). Counted, not timed, so a slow machine cannot fake a pass
 * or a failure: without the pause, dozens arrive in that window.
 */
function pauseViolations(log: readonly RequestLogEntry[], othersInFlight = CONCURRENCY - 1): string[] {
  const problems: string[] = [];
  for (const e of log.filter((r) => r.status === 429)) {
    // A request without Retry-After doubles its pause per 429; take the first (shortest) pause.
    const end = pauseEnd(e, 1);
    const D = e.doneAt!;
    const during = log.filter((r) => r !== e && r.at > D && r.at < end - TOL_MS);
    if (during.length > othersInFlight) {
      problems.push(
        `${during.length} requests arrived during the ${end - D} ms pause after a 429 (at most ${othersInFlight} were in flight): ` +
          during.map((r) => `${r.method} +${r.at - D}ms`).join(', '),
      );
    }
  }
  return problems;
}

function seedInvites(h: FaultHarness, n: number) {
  h.org.seed([{ email: 'root@acme.com', name: 'Root', roles: ['admin'] }]);
  h.org.seed(Array.from({ length: n }, (_, i) => ({ email: `new${i}@acme.com`, name: `New ${i}`, roles: ['analyst'] })));
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
}

function expectConverged(h: FaultHarness) {
  const want: Record<string, string> = {};
  for (const u of h.org.users()) want[u.email.toLowerCase()] = u.roles.includes('admin') ? 'admin' : 'viewer';
  expect(managedSecoda(h.secoda.users())).toEqual(want);
}

describe('429 from Secoda during the apply', () => {
  // `now`: the simulators' (warped) wall clock.
  const cases: { name: string; value: (now: number) => string | undefined; minPauseMs: number }[] = [
    { name: 'Retry-After in seconds', value: () => '2', minPauseMs: 2000 },
    // HTTP dates have whole seconds: between 1.5 s and 2.5 s from now.
    { name: 'Retry-After as an HTTP date', value: (now) => new Date(now + 2500).toUTCString(), minPauseMs: 1400 },
    { name: 'no Retry-After (1 s, doubling)', value: () => undefined, minPauseMs: 1000 },
  ];

  for (const c of cases) {
    it(`${c.name}: every Secoda request waits out the pause; the run converges`, async () => {
      let posts = 0;
      let h!: FaultHarness;
      h = await suite.start({
        secoda: {
          // The 6th POST (mid-stream, other writes in flight) is answered 429.
          onRequest: (e) => {
            if (e.method === 'POST' && ++posts === 6) {
              const retryAfter = c.value(h.now());
              h.secoda.fault({ method: 'POST', kind: 'status', status: 429, ...(retryAfter !== undefined ? { retryAfter } : {}) });
            }
          },
        },
      });
      seedInvites(h, 16);
      const r = await h.run(['reconcile'], { MAX_CONCURRENCY: String(CONCURRENCY) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().status).toBe('succeeded');
      expect(r.json().summary).toMatchObject({ invite: 16, failed: 0 });
      expectConverged(h);

      const log = h.secoda.requests;
      const throttled = log.filter((q) => q.status === 429);
      expect(throttled).toHaveLength(1);
      const e = throttled[0]!;
      if (c.value(h.now()) === undefined) expect(e.retryAfter).toBeUndefined();
      else expect(e.retryAfter).toBeDefined();
      const end = pauseEnd(e, 1);
      expect(end - e.doneAt!).toBeGreaterThanOrEqual(c.minPauseMs - TOL_MS);
      expect(pauseViolations(log)).toEqual([]);
      // The run went on after the pause (the throttled invite was retried then).
      expect(log.filter((q) => q.at >= end - TOL_MS).length).toBeGreaterThan(0);
      // No invite was sent twice.
      expect(log.filter((q) => q.method === 'POST' && q.status === 201)).toHaveLength(16);
    });
  }

  it('a 429 on a Secoda read (list page) pauses before the next page; a 429 on an org page pauses the org API', async () => {
    const h = await suite.start({ secoda: { pageSize: 10 } });
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }]);
    h.org.seed(Array.from({ length: 230 }, (_, i) => ({ email: `u${i}@acme.com`, roles: ['analyst'] })));
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
    h.secoda.seed(Array.from({ length: 35 }, (_, i) => ({ email: `u${i}@acme.com`, role: 'viewer' })));
    let orgLists = 0;
    let secodaLists = 0;
    // Second page of each API answers 429 (org: seconds; Secoda: HTTP date).
    const orgFault = () => h.org.fault({ method: 'GET', path: '/organization/users', kind: 'status', status: 429, retryAfter: '1' });
    const secodaFault = () =>
      h.secoda.fault({ method: 'GET', kind: 'status', status: 429, retryAfter: new Date(h.now() + 2000).toUTCString() });
    // Queue the faults when page 1 of each is served: the next GET (page 2) gets the 429.
    h.org.onPage((p) => {
      if (p === 1 && ++orgLists === 1) orgFault();
    });
    h.secoda.onPage((p) => {
      if (p === 1 && ++secodaLists === 1) secodaFault();
    });
    const r = await h.run(['reconcile', '--dry-run'], { MAX_DELETES: '1000', MAX_DELETE_PERCENT: '100' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().summary).toMatchObject({ invite: 195, unchanged: 36, delete: 0 });
    for (const log of [h.org.requests, h.secoda.requests]) {
      expect(log.filter((q) => q.status === 429)).toHaveLength(1);
      // Pages after the first are read concurrently (MAX_CONCURRENCY, default 4): at most the 3 others
      // already in flight when the 429 came may arrive during the pause.
      expect(pauseViolations(log, 3)).toEqual([]);
    }
    expect(h.writes()).toEqual([]);
  });
});

describe('Secoda write limit slightly below SECODA_WRITE_RATE', () => {
  const modes: RetryAfterMode[] = ['seconds', 'date', 'none'];
  for (const mode of modes) {
    it(`Retry-After ${mode}: few requests are throttled (< 10%), each 429 pauses the API, the run converges`, async () => {
      // Ours: 20 starts per 1 s (+2% margin). The server's: 19 per 1 s.
      const h = await suite.start({ secoda: { writeLimit: { limit: 19, windowMs: 1_000 }, retryAfterMode: mode } });
      seedInvites(h, 60);
      const r = await h.run(['reconcile'], { SECODA_WRITE_RATE: '20/s', MAX_CONCURRENCY: String(CONCURRENCY), RETRY_LIMIT: '5' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().summary).toMatchObject({ invite: 60, failed: 0 });
      expectConverged(h);

      const writes = h.secoda.requests.filter(isWrite);
      const throttled = writes.filter((q) => q.status === 429);
      expect(throttled.length / writes.length).toBeLessThan(0.1);
      for (const t of throttled) {
        if (mode === 'none') expect(t.retryAfter).toBeUndefined();
        else expect(t.retryAfter).toBeDefined();
      }
      expect(pauseViolations(h.secoda.requests)).toEqual([]);
      expect(writes.filter((q) => q.status === 201)).toHaveLength(60);
    });
  }
});

describe('a server limit far below the configured rate (unknown or shared quota)', () => {
  it('client at 100/s, server admitting 4/s with Retry-After: the read rate is learned, few requests are throttled', async () => {
    const h = await suite.start({ secoda: { pageSize: 5, readLimit: { limit: 4, windowMs: 1_000 }, retryAfterMode: 'seconds' } });
    // 150 users in both, unchanged: 30 Secoda pages, no write.
    h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, ...Array.from({ length: 149 }, (_, i) => ({ email: `u${i}@acme.com`, roles: ['analyst'] }))]);
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }, ...Array.from({ length: 149 }, (_, i) => ({ email: `u${i}@acme.com`, role: 'viewer' }))]);
    const r = await h.run(['reconcile'], { SECODA_READ_RATE: '100/s', LOG_LEVEL: 'warn' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().summary).toMatchObject({ unchanged: 150, failed: 0 });
    const reads = h.secoda.requests.filter((q) => q.method === 'GET');
    const throttled = reads.filter((q) => q.status === 429);
    // The first 429 finds the limit: only it and the requests already on their way with it (at most
    // MAX_CONCURRENCY, default 4) are throttled. After its pause, at the learned rate, next to none
    // (without the learned rate every Retry-After pause is followed by a burst into the next 429: 44% measured).
    expect(throttled.length).toBeGreaterThan(0);
    const firstPauseEnd = pauseEnd(throttled[0]!, 1);
    const burst = throttled.filter((q) => q.at < firstPauseEnd);
    const after = reads.filter((q) => q.at >= firstPauseEnd);
    expect(burst.length).toBeLessThanOrEqual(CONCURRENCY + 1);
    expect(after.filter((q) => q.status === 429).length).toBeLessThanOrEqual(after.length / 10);
    expect(r.stderr).toMatch(/secoda API read rate lowered to \d+(\.\d+)?\/s after a 429 \(the server admitted \d+(\.\d+)?\/s; configured 100\/s\)/);
    expect(h.writes()).toEqual([]);
  });
});

describe('429 budget and cap, end to end', () => {
  it('RETRY_LIMIT=0 does not cut a 429 short: two 429s without Retry-After are waited out (>= 1 s each) within the gate window', async () => {
    const h = await suite.start();
    seedInvites(h, 1);
    h.secoda.fault({ method: 'POST', kind: 'status', status: 429, times: 2 });
    const r = await h.run(['reconcile'], { RETRY_LIMIT: '0', SECODA_WRITE_RATE: '600/min', MAX_CONCURRENCY: '1' });
    expect(r.code, r.stderr).toBe(0);
    const posts = h.secoda.requests.filter((q) => q.method === 'POST');
    expect(posts.map((q) => q.status)).toEqual([429, 429, 201]);
    expect(posts.every((q) => q.retryAfter === undefined)).toBe(true);
    expect(posts[1]!.at - posts[0]!.doneAt!).toBeGreaterThanOrEqual(1000 - TOL_MS);
    expect(posts[2]!.at - posts[1]!.doneAt!).toBeGreaterThanOrEqual(1000 - TOL_MS);
    expectConverged(h);
  });

  it('Retry-After above the cap (3600 s > 60 s): the invite fails at once naming the wait, nothing else is sent to Secoda, exit 1', async () => {
    const h = await suite.start();
    seedInvites(h, 3);
    h.secoda.fault({ method: 'POST', kind: 'status', status: 429, retryAfter: '3600' });
    const started = h.now();
    const r = await h.run(['reconcile'], { MAX_CONCURRENCY: '1' });
    expect(r.code).toBe(1);
    const report = r.json();
    expect(report.status).toBe('failed');
    expect(report.actions.map((a: any) => a.status)).toEqual(['failed', 'failed', 'failed']);
    expect(report.actions[0].error).toMatch(/^secoda API asked to wait 3600 s \(Retry-After\), more than the 60 s cap; not retried \(POST \S+\)$/);
    for (const a of report.actions.slice(1)) {
      expect(a.error).toMatch(/^secoda API asked to wait 3600 s \(Retry-After\), more than the 60 s cap: POST \S+ not sent \(\d+(\.\d)? s of the wait left\)$/);
    }
    // One POST reached Secoda: the refused wait was neither shortened nor retried early.
    expect(h.secoda.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
    // Not waited for, warped or not: the run's clock moved less than the cap.
    expect(h.now() - started).toBeLessThan(30_000);
  });
});
