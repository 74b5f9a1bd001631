import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
/** `reopenStore`: each CLI run opens the database itself, so that a test can open it beside them, as another process would. */
async function start(reopenStore: boolean) {
  h = await startHarness({ reopenStore });
  h.org.seed([{ email: 'root@acme.com', roles: ['admin'] }, { email: 'new@acme.com', name: 'New Hire', roles: ['analyst'] }]);
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
}
afterEach(async () => {
  await h.close();
});

const storeOptions = () => ({ dataDir: h.dataDir, ...(h.databaseUrl ? { databaseUrl: h.databaseUrl } : {}) });

describe('report --list', () => {
  beforeEach(() => start(false));

  it('lists recent runs, newest first, with mode, status, duration and counts', async () => {
    await h.run(['reconcile', '--dry-run']);
    await h.run(['reconcile']);
    const list = await h.run(['report', '--list', '--format', 'json']);
    expect(list.code).toBe(0);
    const runs = list.json();
    expect(runs.map((r: any) => [r.runId, r.mode, r.status])).toEqual([[2, 'apply', 'succeeded'], [1, 'dry-run', 'succeeded']]);
    expect(runs[0].summary).toMatchObject({ invite: 1, delete: 0 });
    expect(runs[0].durationMs).toBeGreaterThanOrEqual(0);
    const limited = await h.run(['report', '--list', '--limit', '1', '--format', 'json']);
    expect(limited.json()).toHaveLength(1);
    const table = await h.run(['report', '--list', '--format', 'table']);
    expect(table.stdout).toMatch(/^run\s+mode\s+status\s+started\s+duration/m);
    expect(table.stdout).toMatch(/^2\s+apply\s+succeeded/m);
  });

  it('rejects --limit without --list and a RUN_ID with --list', async () => {
    expect((await h.run(['report', '--limit', '3'])).code).toBe(2);
    expect((await h.run(['report', '1', '--list'])).code).toBe(2);
  });
});

describe('one run at a time', () => {
  // These tests open the database beside the CLI's runs, as another process would.
  beforeEach(() => start(true));

  it('a run left "running" by a killed process is recorded as abandoned by the next run', async () => {
    const store = await openStore(storeOptions());
    const orphan = await store.createRun('apply');
    await store.close();
    expect((await h.run(['reconcile'])).code).toBe(0);
    const after = await openStore(storeOptions());
    try {
      expect((await after.getRun(orphan))?.status).toBe('abandoned');
    } finally {
      await after.close();
    }
  });

  it('reconcile waits up to --wait for the run lock, else exits 1 naming the holder', async () => {
    const store = await openStore(storeOptions());
    try {
      const lock = (await store.tryRunLock('daemon'))!;
      if (store.kind === 'pglite') {
        // The embedded store admits one process; this process holds it, so the CLI cannot open it.
        const busy = await h.run(['reconcile']);
        expect(busy.code).toBe(1);
        expect(busy.stderr).toMatch(/in use by process \d+/);
      } else {
        const busy = await h.run(['reconcile']);
        expect(busy.code).toBe(1);
        expect(busy.stderr).toContain('another reconcile is running on this database: secoda-user-sync daemon');
        expect(busy.stderr).toContain('--wait SECONDS');
      }
      expect(h.writes()).toEqual([]);
      setTimeout(() => void lock.release().then(() => store.close()), 1_500);
      const waited = await h.run(['reconcile', '--wait', '20']);
      expect(waited.code, waited.stderr).toBe(0);
      expect(h.secoda.byEmail('new@acme.com')).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it('a lock file left by a process that no longer runs is taken over', async () => {
    if (h.databaseUrl) return; // the lock file guards the embedded store only
    writeFileSync(join(h.dataDir, 'secoda-user-sync.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'daemon' }));
    const r = await h.run(['reconcile', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
  });
});
