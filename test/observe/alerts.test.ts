/**
 * When the webhook hears about it: the edges of a lasting condition, not
 * every run (src/daemon/alert-policy.ts), and a text a person can act on.
 */
import { describe, expect, it } from 'vitest';
import { alertText } from '../../src/daemon/alerts.js';
import { causeOf, decideAlert, observe, type Observed } from '../../src/daemon/alert-policy.js';
import type { Report } from '../../src/app/report.js';
import type { AlertState } from '../../src/store/types.js';

const report = (status: Report['status'], extra: Partial<Report> = {}): Report => ({
  runId: 7, mode: 'apply', status, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
  source: { users: 10 }, target: { users: 11, managed: 10 },
  summary: { invite: 1, update_role: 0, delete: 30, unchanged: 9, skipped: 1, failed: 1, withheld: 30, deferred: 0 },
  actions: [{ type: 'invite', email: 'a@x.com', status: 'failed', error: 'secoda API answered POST ...: 400 Bad Request' }],
  skipped: [], holds: ['mass-delete guard: 30 deletes planned'], notes: [], ...extra,
});

const HOUR = 3_600_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (h: number) => new Date(t0.getTime() + h * HOUR);

/** Feeds runs through the policy as the daemon does (every post delivered); returns what was posted. */
function replay(runs: [hours: number, seen: Observed][], repeatMs = 6 * HOUR): (string | null)[] {
  let state: AlertState | null = null;
  return runs.map(([h, seen], i) => {
    const d = decideAlert(state, seen, i + 1, at(h), repeatMs);
    state = d.next;
    return d.post;
  });
}

const ok: Observed = { condition: 'ok' };
const broken: Observed = { condition: 'problem', cause: 'failed\norg API refused the token' };

describe('alert policy', () => {
  it('a failure every 15 minutes for a day: one post when it begins, one every 6 hours, one on recovery', () => {
    const day = Array.from({ length: 96 }, (_, i) => [i / 4, broken] as [number, Observed]);
    const posts = replay([[-1, ok], ...day, [24, ok], [24.25, ok]]);
    expect(posts.filter(Boolean)).toEqual(['problem', 'repeat', 'repeat', 'repeat', 'recovered']);
    // The repeats come at 6 h, 12 h, 18 h after the first post.
    expect(posts.map((p, i) => (p === 'repeat' ? i - 1 : null)).filter((x) => x !== null).map((i) => i! / 4)).toEqual([6, 12, 18]);
  });

  it('a changed cause is posted at once; ALERT_REPEAT=0 never repeats', () => {
    const other: Observed = { condition: 'problem', cause: 'held\nmass-delete guard' };
    expect(replay([[0, broken], [1, broken], [2, other], [3, other], [30, other]], 0)).toEqual(['problem', null, 'changed', null, null]);
  });

  it('a pause posts when it begins and when it ends, never in between; a new pause is a new post', () => {
    const paused: Observed = { condition: 'paused', cause: 'paused: incident (since 2026-01-01T00:00:00.000Z, by ana@ops)' };
    const again: Observed = { condition: 'paused', cause: 'paused: again (since 2026-01-02T00:00:00.000Z, by ana@ops)' };
    expect(replay([[0, ok], [1, paused], [9, paused], [30, paused], [31, ok], [32, again], [33, broken]])).toEqual(
      [null, 'paused', null, null, 'resumed', 'paused', 'resumed'],
    );
  });

  it('the same problem with other numbers is the same cause', () => {
    const a = causeOf({ status: 'held', holds: ['mass-delete guard: 30 deletes planned, over MAX_DELETES=25'] });
    const b = causeOf({ status: 'held', holds: ['mass-delete guard: 31 deletes planned, over MAX_DELETES=25'] });
    expect(a).toBe(b);
    expect(causeOf({ status: 'failed', error: 'x', holds: [] })).not.toBe(a);
  });

  it('reads the condition from the run: paused holds first, interrupted runs say nothing', () => {
    expect(observe(report('held', { holds: ['paused: x (since …, by y)', 'mass-delete guard'] }))?.condition).toBe('paused');
    expect(observe(report('failed'))?.condition).toBe('problem');
    expect(observe(report('succeeded', { holds: [] }))).toEqual({ condition: 'ok' });
    expect(observe(report('interrupted'))).toBeNull();
  });
});

describe('alert text', () => {
  it('says status, counts, holds, first errors and how to see the report', () => {
    const d = decideAlert(null, observe(report('held'))!, 7, t0, HOUR);
    const text = alertText(report('held'), d);
    expect(text).toContain('run 7 HELD');
    expect(text).toContain('delete 30');
    expect(text).toContain('Held: mass-delete guard: 30 deletes planned');
    expect(text).toContain('Failed: invite a@x.com: secoda API answered POST');
    expect(text).toContain('secoda-user-sync report 7');
  });

  it('a repeat names when the problem began and how many runs it has lasted', () => {
    const first = decideAlert(null, broken, 3, t0, HOUR);
    const second = decideAlert(first.next, broken, 4, at(2), HOUR);
    expect(second.post).toBe('repeat');
    expect(alertText(report('failed', { runId: 4 }), second)).toContain('still the same problem since run 3 at 2026-01-01T00:00:00.000Z (2 runs)');
  });
});

describe('pause text', () => {
  it('a run stopped mid-apply by a pause does not claim it wrote nothing', () => {
    const hold = "paused: INC-3 (since 2026-01-01T00:00:00.000Z, by ana@ops); stopped this run's writes";
    const r = report('interrupted', { holds: [hold], error: 'interrupted by a pause (…): 2 action(s) done, 0 failed, 5 not started' });
    const d = decideAlert(null, observe(r)!, 7, t0, HOUR);
    expect(d.post).toBe('paused');
    const text = alertText(r, d);
    expect(text).toContain(`secoda-user-sync is ${hold}. Run 7 stopped its writes.`);
    expect(text).toContain('Error: interrupted by a pause');
    expect(text).not.toContain('wrote nothing');
  });
});
