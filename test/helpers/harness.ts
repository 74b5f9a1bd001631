/**
 * End-to-end harness: both simulators on real sockets, a fresh database
 * (PGlite, or a new database on TEST_DATABASE_URL's server), and the CLI's
 * main() run in-process with captured stdout and stderr.
 */
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Store } from '../../src/store/types.js';
import type { Clock } from '../../src/http/wait.js';
import { startOrgSim, startSecodaSim, type OrgSim, type SecodaSim, type SecodaSimOptions, type OrgSimOptions } from '../../tools/simulators/index.js';
import { harnessDb } from './harness-db.js';

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
  /** The database the runs use, open (closed by close()); to read what a run recorded. */
  store(): Promise<Store>;
  /** Closes what store() opened, when the runs open the database themselves (reopenStore). */
  releaseStore(): Promise<void>;
  /** Raw SQL on the runs' database. */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Raw SQL on one connection for several queries (see HarnessDb.sqlSession). */
  sqlSession<T>(fn: (sql: (text: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T>;
  /** Every write request the simulators answered (any method but GET). */
  writes(): { api: string; method: string; path: string; status: unknown }[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  secoda?: Partial<SecodaSimOptions>;
  org?: Partial<OrgSimOptions>;
  /**
   * The CLI's HTTP clients wait on it (a warp clock skips backoff and 429 pauses). One with
   * `epochNow` is the simulators' clock too (their `now`, unless given): rate windows, log
   * times and Retry-After dates then see the skipped time pass.
   */
  clock?: Clock;
  /** The CLI's wall clock for what it records (run starts, pauses): a test moves it to "a week later". */
  now?: () => Date;
  /**
   * A fresh database that each CLI run opens and closes as the real CLI does (default false: the runs share
   * one open database, reused from harness to harness; see harness-db.ts). Tests of opening, locking and
   * closing the database, and tests whose child processes open it, turn this on.
   */
  reopenStore?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const clock = opts.clock;
  const simNow = clock?.epochNow ? { now: () => clock.epochNow!() } : {};
  const secoda = await startSecodaSim({ apiKey: SECODA_KEY, writeLimit: null, ...simNow, ...opts.secoda });
  const org = await startOrgSim({ token: ORG_TOKEN, ...simNow, ...opts.org });
  const db = await harnessDb({ ...(opts.reopenStore ? { reopen: true } : {}) });
  const env: Record<string, string> = {
    ORG_API_URL: org.url,
    ORG_API_TOKEN: ORG_TOKEN,
    SECODA_API_URL: secoda.url,
    SECODA_API_KEY: SECODA_KEY,
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    SECODA_READ_RATE: '1000/s',
    SECODA_WRITE_RATE: '1000/s',
    ORG_RATE: '1000/s',
    HTTP_TIMEOUT: '2s',
    RETRY_LIMIT: '3',
    LOG_LEVEL: 'info',
  };
  return {
    org, secoda, env, dataDir: db.dataDir, cwd: db.cwd, ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
    async run(args, extra = {}, signal) {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await main(args, {
        env: { ...env, ...extra }, cwd: db.cwd, stdout, stderr,
        ...(signal ? { signal } : {}), ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.now ? { now: opts.now } : {}),
        ...(db.openStore ? { openStore: db.openStore } : {}),
      });
      return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
    },
    store: () => db.store(),
    releaseStore: () => db.release(),
    sql: (text) => db.sql(text),
    sqlSession: (fn) => db.sqlSession(fn),
    writes() {
      return [
        ...org.requests.map((r) => ({ api: 'org', ...r })),
        ...secoda.requests.map((r) => ({ api: 'secoda', ...r })),
      ].filter((r) => r.method !== 'GET').map((r) => ({ api: r.api, method: r.method, path: r.path, status: r.status }));
    },
    async close() {
      await Promise.all([org.close(), secoda.close()]);
      await db.close();
    },
  };
}
