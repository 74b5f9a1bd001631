/**
 * A crash mid-apply: the BUILT CLI (dist/cli.js, compiled by the vitest
 * globalSetup) is SIGKILLed while it works through a large plan. The next
 * run converges — nobody duplicated, nobody lost — and the killed run is
 * recorded as `abandoned`, not left `running`.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { collectRun, duplicateEmails, managedSecoda, until, useFaultSuite, type FaultHarness } from './support.js';

const suite = useFaultSuite('crash');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

beforeAll(() => {
  // vitest.config.ts's globalSetup builds dist/; this covers running without it.
  if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
}, 130_000);

interface Child {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function spawnCli(h: FaultHarness, args: string[], extra: Record<string, string> = {}): Child {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...h.env, ...extra };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: h.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      collectRun(suite.collector, `crash child ${args.join(' ')}`, { stdout: out, stderr: err }, h.cwd, args);
      resolve({ code, signal });
    }),
  );
  return { pid: child.pid!, stdout: () => out, stderr: () => err, exited, kill: (s) => child.kill(s) };
}

const N = 300;

describe('SIGKILL mid-apply', () => {
  it('the next run converges without duplicates or losses; the killed run is recorded as abandoned', async () => {
    const h = await suite.start({ reopenStore: true }); // killed CLI processes open the database
    h.org.seed([{ email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] }]);
    h.org.seed(Array.from({ length: N }, (_, i) => ({ email: `Hire${String(i).padStart(3, '0')}@acme.com`, name: `Hire ${i}`, roles: [i % 3 === 0 ? 'developer' : 'analyst'] })));
    h.secoda.seed([{ email: 'root@acme.com', role: 'admin' }]);
    const env = { SECODA_WRITE_RATE: '50/s', MAX_CONCURRENCY: '4', LOG_LEVEL: 'info' };

    const first = spawnCli(h, ['reconcile'], env);
    // Kill it well inside the apply: after ~60 invites, long before the ~6 s it needs for 300.
    await until(() => h.secoda.users().length >= 61, 'the first 60 invites', 60_000);
    first.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const createdBeforeKill = h.secoda.users().length - 1;
    expect(createdBeforeKill).toBeGreaterThanOrEqual(60);
    expect(createdBeforeKill).toBeLessThan(N);
    expect(first.stdout()).toBe(''); // no report: it never finished

    // Before anyone else runs, the killed run still looks as it was left.
    const listed = await h.run(['report', '--list', '--format', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    const [killedRun] = listed.json();
    expect(killedRun).toMatchObject({ mode: 'apply', status: 'running', finishedAt: null });

    // The recovery run is not paced: the write rate only had to keep the first run busy until the kill.
    const second = spawnCli(h, ['reconcile', '--wait', '30'], { ...env, SECODA_WRITE_RATE: '1000/s' });
    const done = await second.exited;
    expect(done.code, second.stderr()).toBe(0);
    const report = JSON.parse(second.stdout());
    expect(report.status).toBe('succeeded');
    // Only what the killed run had not done (an invite in flight at the kill counts as done).
    expect(report.summary).toMatchObject({ invite: N - createdBeforeKill, failed: 0, delete: 0, update_role: 0 });
    expect(second.stderr()).toMatch(/1 run\(s\) left running by a stopped process recorded as abandoned/);

    // Converged: exactly the org's users, each once, with the mapped role.
    const users = h.secoda.users();
    expect(duplicateEmails(users)).toEqual([]);
    const want: Record<string, string> = {};
    for (const u of h.org.users()) want[u.email.toLowerCase()] = u.roles.includes('admin') ? 'admin' : u.roles.includes('developer') ? 'editor' : 'viewer';
    expect(managedSecoda(users)).toEqual(want);
    expect(h.secoda.requests.filter((q) => q.method === 'POST' && q.status === 201)).toHaveLength(N);
    expect(h.secoda.requests.filter((q) => q.method === 'POST' && q.status !== 201)).toEqual([]);

    // The record: the killed run is abandoned (finished, not running), its done invites kept.
    const after = await h.run(['report', '--list', '--format', 'json']);
    const runs = after.json() as any[];
    expect(runs.map((r) => [r.runId, r.status])).toEqual([[report.runId, 'succeeded'], [killedRun.runId, 'abandoned']]);
    expect(runs[1].finishedAt).not.toBeNull();
    const store = await openStore({ dataDir: h.dataDir, ...(h.databaseUrl ? { databaseUrl: h.databaseUrl } : {}) });
    try {
      const actions = await store.listActions(killedRun.runId);
      expect(actions).toHaveLength(N);
      const succeeded = actions.filter((a) => a.status === 'succeeded').length;
      // Recorded successes never exceed what Secoda holds; the rest stay 'planned' (never 'running' or lost).
      expect(succeeded).toBeGreaterThan(0);
      expect(succeeded).toBeLessThanOrEqual(createdBeforeKill);
      expect(actions.every((a) => a.status === 'succeeded' || a.status === 'planned')).toBe(true);
      expect((await store.getRun(killedRun.runId))!.status).toBe('abandoned');
    } finally {
      await store.close();
    }
    const shown = await h.run(['report', String(killedRun.runId), '--format', 'json']);
    expect(shown.json().status).toBe('abandoned');

    // And one more run has nothing to do.
    const third = await h.run(['reconcile']);
    expect(third.code).toBe(0);
    expect(third.json().actions).toEqual([]);
  });
});
