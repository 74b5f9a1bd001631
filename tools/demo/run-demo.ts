/**
 * `npm run demo`: the main job end to end against LOCAL SIMULATORS of both
 * APIs (no real organization or Secoda workspace is contacted), on the
 * embedded store: a dry run, an apply, and a rerun that has nothing to do.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrgSim, startSecodaSim } from '../simulators/index.js';
import { demoOrganization, demoWorkspace } from './data.js';

// This file runs from build/tools/demo/; the product CLI is the repository's dist/cli.js.
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'cli.js');
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function step(title: string, note: string) {
  process.stdout.write(`\n${bold(`━━ ${title} ━━`)}\n${note}\n\n`);
}

function runCli(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

const DEMO_WRITE_RATE = { limit: 20, windowMs: 1_000 };

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'secoda-user-sync-demo-'));
  const org = await startOrgSim({ token: 'demo-org-token' });
  // The simulator enforces its write limit like Secoda does; the demo runs faster than Secoda's real 30/min.
  const secoda = await startSecodaSim({ apiKey: 'demo-secoda-key', pageSize: 50, writeLimit: DEMO_WRITE_RATE });
  org.seed(demoOrganization());
  secoda.seed(demoWorkspace());
  const env = {
    ORG_API_URL: org.url,
    ORG_API_TOKEN: 'demo-org-token',
    SECODA_API_URL: secoda.url,
    SECODA_API_KEY: 'demo-secoda-key',
    DATA_DIR: join(dataDir, 'store'),
    DATABASE_URL: '',
    SECODA_WRITE_RATE: '20/s',
    PROTECTED_EMAILS: 'ceo@acme.example',
    // The demo's API key "belongs" to the IT admin: protected, so no warning in the reports.
    SECODA_KEY_OWNER: 'it-admin@acme.example',
    LOG_LEVEL: 'warn',
  };

  process.stdout.write(`${bold('secoda-user-sync demo — SIMULATED APIs')}
Everything below runs against local simulators of the org-user-management API
(${org.url}) and the Secoda API (${secoda.url}), on an embedded database in
${dataDir}. No real organization or Secoda workspace is contacted.
The simulated organization has ${org.users().length} users; the simulated Secoda workspace has
${secoda.users().length} users, including a service account, a guest, a disabled user, a
protected CEO account and pending invitations. Writes are paced at 20/s here
(real Secoda allows 30/min; the tool defaults to that).
`);

  const codes: number[] = [];
  step('1. reconcile --dry-run', 'Reads both APIs and prints the plan. Sends no write to either API.');
  codes.push(await runCli(['reconcile', '--dry-run', '--format', 'table'], env));
  const writesAfterDryRun = secoda.requests.filter((r) => r.method !== 'GET').length;

  step('2. reconcile', 'Applies the same plan: deletes first, then downgrades, upgrades, invites.');
  codes.push(await runCli(['reconcile', '--format', 'table'], env));

  step('3. reconcile again', 'Secoda now matches the organization: nothing to do, no write sent.');
  const before = secoda.requests.filter((r) => r.method !== 'GET').length;
  codes.push(await runCli(['reconcile', '--format', 'table'], env));
  const writesOnRerun = secoda.requests.filter((r) => r.method !== 'GET').length - before;

  step('4. report 2 --format markdown', 'Any past run, re-rendered from the database (paste it into a ticket).');
  codes.push(await runCli(['report', '2', '--format', 'markdown'], env));

  await Promise.all([org.close(), secoda.close()]);
  rmSync(dataDir, { recursive: true, force: true });

  const ok = codes.every((c) => c === 0) && writesAfterDryRun === 0 && writesOnRerun === 0;
  process.stdout.write(`\n${bold(ok ? 'Demo finished (simulated).' : 'Demo did not go as expected.')} Exit codes: ${codes.join(', ')}; writes during the dry run: ${writesAfterDryRun}; writes on the rerun: ${writesOnRerun}.\n`);
  process.exitCode = ok ? 0 : 1;
}

await main();
