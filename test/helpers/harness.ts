/**
 * End-to-end harness: both simulators on real sockets, a fresh database
 * (PGlite, or a new database on TEST_DATABASE_URL's server), and the CLI's
 * main() run in-process with captured stdout and stderr.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Clock } from '../../src/http/wait.js';
import { startOrgSim, startSecodaSim, type OrgSim, type SecodaSim, type SecodaSimOptions, type OrgSimOptions } from '../../tools/simulators/index.js';
import { freshDatabase } from './db.js';
import { copyPgliteTemplate } from './pglite-template.js';

export const ORG_TOKEN = 'org-token-Zq8wX1';
export const SECODA_KEY = 'secoda-key-Pk42Vb';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (the default format off a TTY). */
  json(): any;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

export interface Harness {
  org: OrgSim;
  secoda: SecodaSim;
  env: Record<string, string>;
  databaseUrl?: string;
  /** DATA_DIR of the embedded store. */
  dataDir: string;
  /** Working directory of the CLI runs (relative --out files land here). */
  cwd: string;
  run(args: string[], env?: Record<string, string>, signal?: AbortSignal): Promise<CliResult>;
  /** Every write request the simulators answered (any method but GET). */
  writes(): { api: string; method: string; path: string; status: unknown }[];
  close(): Promise<void>;
}

/**
 * `clock`: the CLI's HTTP clients wait on it (a warp clock skips backoff and 429 pauses).
 * `now`: the CLI's wall clock for what it records (run starts, pauses): a test moves it to "a week later".
 */
export async function startHarness(opts: { secoda?: Partial<SecodaSimOptions>; org?: Partial<OrgSimOptions>; clock?: Clock; now?: () => Date } = {}): Promise<Harness> {
  const secoda = await startSecodaSim({ apiKey: SECODA_KEY, writeLimit: null, ...opts.secoda });
  const org = await startOrgSim({ token: ORG_TOKEN, ...opts.org });
  const db = await freshDatabase();
  let dataDir = db.dataDir;
  if (!db.databaseUrl) {
    dataDir = join(db.dataDir, 'db');
    await copyPgliteTemplate(dataDir);
  }
  const env: Record<string, string> = {
    ORG_API_URL: org.url,
    ORG_API_TOKEN: ORG_TOKEN,
    SECODA_API_URL: secoda.url,
    SECODA_API_KEY: SECODA_KEY,
    DATA_DIR: dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    SECODA_READ_RATE: '1000/s',
    SECODA_WRITE_RATE: '1000/s',
    ORG_RATE: '1000/s',
    HTTP_TIMEOUT: '2s',
    RETRY_LIMIT: '3',
    LOG_LEVEL: 'info',
  };
  return {
    org, secoda, env, dataDir, cwd: db.dataDir, ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
    async run(args, extra = {}, signal) {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await main(args, { env: { ...env, ...extra }, cwd: db.dataDir, stdout, stderr, ...(signal ? { signal } : {}), ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.now ? { now: opts.now } : {}) });
      return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
    },
    writes() {
      return [
        ...org.requests.map((r) => ({ api: 'org', ...r })),
        ...secoda.requests.map((r) => ({ api: 'secoda', ...r })),
      ].filter((r) => r.method !== 'GET').map((r) => ({ api: r.api, method: r.method, path: r.path, status: r.status }));
    },
    async close() {
      await Promise.all([org.close(), secoda.close()]);
      await db.cleanup();
    },
  };
}
