import { describe, expect, it } from 'vitest';
import { alertText, shouldAlert } from '../../src/daemon/alerts.js';
import type { Report } from '../../src/app/report.js';

const report = (status: Report['status'], extra: Partial<Report> = {}): Report => ({
  runId: 7, mode: 'apply', status, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
  source: { users: 10 }, target: { users: 11, managed: 10 },
  summary: { invite: 1, update_role: 0, delete: 30, unchanged: 9, skipped: 1, failed: 1, withheld: 30 },
  actions: [{ type: 'invite', email: 'a@x.com', status: 'failed', error: 'secoda API answered POST ...: 400 Bad Request' }],
  skipped: [], holds: ['mass-delete guard: 30 deletes planned'], notes: [], ...extra,
});

describe('alerts', () => {
  it('alerts on failed and held runs, and once on the first success after one', () => {
    expect(shouldAlert(report('failed'), 'succeeded')).toBe('problem');
    expect(shouldAlert(report('held'), null)).toBe('problem');
    expect(shouldAlert(report('succeeded'), 'held')).toBe('recovered');
    expect(shouldAlert(report('succeeded'), 'succeeded')).toBeNull();
    expect(shouldAlert(report('succeeded'), null)).toBeNull();
    expect(shouldAlert(report('interrupted'), 'failed')).toBeNull();
  });

  it('writes a text a person can act on: status, counts, holds, first errors, how to see the report', () => {
    const text = alertText(report('held'), 'problem');
    expect(text).toContain('run 7 HELD');
    expect(text).toContain('delete 30');
    expect(text).toContain('Held: mass-delete guard: 30 deletes planned');
    expect(text).toContain('Failed: invite a@x.com: secoda API answered POST');
    expect(text).toContain('secoda-user-sync report 7');
  });
});
