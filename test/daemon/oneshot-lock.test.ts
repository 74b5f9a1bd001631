/**
 * A one-shot `reconcile` that loses its run lock mid-apply behaves like the
 * daemon: it dispatches no new write, records the run `interrupted` "by
 * losing the run lock" and exits 1.
 * - Postgres (TEST_DATABASE_URL): the lock's backend is terminated.
 * - PGlite (always): the data directory's lock file is taken over.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { DEFAULT_LOCK_LEASE_MS, LOCK_FILE, setDefaultLockLease } from '../../src/store/lockfile.js';
import { testServerUrl } from '../helpers/db.js';
import { freshPgliteDir, startDaemonHarness, until } from './helpers.js';

let h: Awaited<ReturnType<typeof startDaemonHarness>>;
beforeEach(async () => {
  h = await startDaemonHarness();
  h.org.seed([{ email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] }, ...Array.from({ length: 10 }, (_, i) => ({ email: `new${i}@acme.com`, name: `New ${i}`, roles: ['analyst'] }))]);
  h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
  // One write at a time, 300 ms each: ten invites take three seconds.
  h.secodaLatency({ write: 300 });
});
afterEach(async () => {
  setDefaultLockLease(DEFAULT_LOCK_LEASE_MS);
  await h.close();
});

const posts = () => h.secoda.requests.filter((r) => r.method === 'POST');

/** Runs `reconcile`, cuts the lock once two invites were answered; returns the result and when the cut happened. */
async function reconcileCutMidApply(env: Record<string, string>, cut: () => Promise<void>) {
  let cutAt = 0;
  const cutting = until(() => posts().filter((p) => p.status === 201).length >= 2, 'two invites answered', 20_000, 5).then(async () => {
    await cut();
    cutAt = Date.now();
  });
  const result = await h.run(['reconcile'], { MAX_CONCURRENCY: '1', ...env });
  await cutting;
  return { result, cutAt };
}

function expectStoppedWriting(result: Awaited<ReturnType<typeof h.run>>, cutAt: number, slackMs: number) {
  expect(result.code, result.stderr).toBe(1);
  const report = result.json();
  expect(report.status).toBe('interrupted');
  expect(report.error).toMatch(/^interrupted by losing the run lock: \d+ action\(s\) done, 0 failed, \d+ not started$/);
  expect(result.stderr).toContain('run lock lost: stopping this run');
  // Only the write in flight at the cut went on: a write dispatched after it would arrive later.
  expect(posts().filter((p) => p.at > cutAt + slackMs)).toEqual([]);
  expect(posts().length).toBeLessThan(10);
  return report;
}

describe.skipIf(!testServerUrl())('Postgres: the run lock\'s connection is terminated mid-apply', () => {
  it('stops dispatching writes, records the run interrupted, exits 1; the next run finishes the job', async () => {
    const name = new URL(h.databaseUrl!).pathname.slice(1);
    const { result, cutAt } = await reconcileCutMidApply({}, async () => {
      const admin = postgres(testServerUrl()!, { max: 1, onnotice: () => {} });
      try {
        const killed = await admin`
          select pg_terminate_backend(pid) as ok from pg_stat_activity
          where datname = ${name} and application_name = ${`secoda-user-sync reconcile ${hostname()}:${process.pid}`.slice(0, 63)}`;
        expect(killed.length).toBe(1);
      } finally {
        await admin.end({ timeout: 5 });
      }
    });
    const report = expectStoppedWriting(result, cutAt, 250);
    expect(result.stderr).toContain('the database connection holding the run lock closed');

    const store = await openStore({ databaseUrl: h.databaseUrl!, dataDir: h.dataDir });
    try {
      expect((await store.getRun(report.runId))?.status).toBe('interrupted');
    } finally {
      await store.close();
    }
    h.secodaLatency({ write: 0 });
    const again = await h.run(['reconcile']);
    expect(again.code, again.stderr).toBe(0);
    expect(h.secoda.users()).toHaveLength(11);
  });
});

describe('PGlite: the lock file is taken over mid-apply', () => {
  it('stops dispatching writes, records the run interrupted, exits 1, and leaves the new holder\'s lock alone', async () => {
    // The holder checks its lock file every lease/3: 100 ms here.
    setDefaultLockLease(300);
    const dir = h.databaseUrl ? await freshPgliteDir(h.cwd) : h.dataDir;
    const lockPath = join(dir, LOCK_FILE);
    const intruder = { pid: 4242, host: 'elsewhere.example', startedAt: new Date().toISOString(), command: 'daemon', token: 'intruder', leaseMs: 60_000 };
    const { result, cutAt } = await reconcileCutMidApply({ DATABASE_URL: '', DATA_DIR: dir }, async () => {
      const tmp = `${lockPath}.intruder`;
      writeFileSync(tmp, JSON.stringify(intruder));
      renameSync(tmp, lockPath);
    });
    // Noticing takes up to one check (100 ms); then the write in flight (300 ms) finishes.
    expectStoppedWriting(result, cutAt, 450);
    expect(result.stderr).toContain(`the lock file ${lockPath} was taken over by process 4242 on elsewhere.example`);
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual(intruder);
  }, 120_000); // with TEST_DATABASE_URL it also creates an embedded database (initdb): slow on a busy machine
});
