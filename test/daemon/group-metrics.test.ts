/** GROUP_MAP in the run's metrics: memberships added, removed and withheld, next to the per-type action counts. */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/daemon/metrics.js';
import type { Report } from '../../src/app/report.js';

const report: Report = {
  runId: 1, mode: 'apply', status: 'held', startedAt: '2030-01-01T00:00:00.000Z', finishedAt: '2030-01-01T00:00:05.000Z',
  source: { users: 3 }, target: { users: 3, managed: 3 },
  summary: { invite: 0, update_role: 0, delete: 0, unchanged: 3, skipped: 0, failed: 0, withheld: 0, update_name: 1, group: 2, group_added: 3, group_removed: 0 },
  actions: [
    { type: 'update_name', email: 'a@x.com', name: 'A New', fromName: 'A Old', status: 'succeeded' },
    { type: 'group', email: 'Eng', name: 'Eng', status: 'succeeded', group: { name: 'Eng', id: 'g1', created: false, members: 4, added: ['a@x.com', 'b@x.com'], removed: [], withheldRemovals: ['c@x.com'] } },
    { type: 'group', email: 'Ops', name: 'Ops', status: 'failed', group: { name: 'Ops', created: true, members: 1, added: ['a@x.com'], removed: [], withheldRemovals: [] } },
  ],
  skipped: [], holds: ['1 group removal(s) withheld'], notes: [],
};

describe('metrics of a run with groups and names', () => {
  it('counts group memberships by change and the status of their write', async () => {
    const m = new Metrics({ processMetrics: false });
    m.recordRun(report, 5);
    const text = await m.text();
    expect(text).toContain('secoda_user_sync_group_memberships_total{change="added",status="succeeded"} 2');
    expect(text).toContain('secoda_user_sync_group_memberships_total{change="added",status="failed"} 1');
    expect(text).toContain('secoda_user_sync_group_memberships_total{change="withheld",status="withheld"} 1');
    expect(text).toContain('secoda_user_sync_actions_total{type="update_name",status="succeeded"} 1');
    expect(text).toContain('secoda_user_sync_actions_total{type="group",status="failed"} 1');
  });
});
