/**
 * End-to-end harness: both simulators on real sockets, a fresh database
 * (PGlite, or a new database on TEST_DATABASE_URL's server), and the CLI's
 * main() run in-process with captured stdout and stderr.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { openStore, type OpenStoreOptions } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
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
  /** The database the runs use, open (closed by close()); to read what a run recorded. */
  store(): Promise<Store>;
  /** Closes the runs' shared store (the next run opens it again), so something else may open the database. */
  releaseStore(): Promise<void>;
  /** Every write request the simulators answered (any method but GET). */
  writes(): { api: string; method: string; path: string; status: unknown }[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  secoda?: Partial<SecodaSimOptions>;
  org?: Partial<OrgSimOptions>;
  /** The CLI's HTTP clients wait on it (a warp clock skips backoff and 429 pauses). */
  clock?: Clock;
  /**
   * Each CLI run opens the database as the real CLI does (default false). By default the runs of one harness
   * share one open store, because booting embedded Postgres costs ~1 s a run; tests of opening, locking and
   * closing the database itself turn this on.
   */
  reopenStore?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
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
  let shared: Promise<Store> | undefined;
  const sameDatabase = (o: OpenStoreOptions) => o.dataDir === dataDir && o.databaseUrl === db.databaseUrl;
  // The runs' store.close() must not close the shared one: the harness does, at the end.
  const ownOptions: OpenStoreOptions = { dataDir, ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}) };
  const sharedStore = (o: OpenStoreOptions = ownOptions) =>
    (shared ??= openStore(o)).then((store) => new Proxy(store, { get: (t, k) => (k === 'close' ? async () => {} : Reflect.get(t, k)) }));
  const releaseStore = async () => {
    const open = shared;
    shared = undefined;
    if (open) await (await open.catch(() => undefined))?.close();
  };
  const storeFor = opts.reopenStore ? undefined : (o: OpenStoreOptions) => (sameDatabase(o) ? sharedStore(o) : openStore(o));
  return {
    org, secoda, env, dataDir, cwd: db.dataDir, ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
    async run(args, extra = {}, signal) {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await main(args, { env: { ...env, ...extra }, cwd: db.dataDir, stdout, stderr, ...(signal ? { signal } : {}), ...(opts.clock ? { clock: opts.clock } : {}), ...(storeFor ? { openStore: storeFor } : {}) });
      return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
    },
    store: () => sharedStore(),
    releaseStore,
    writes() {
      return [
        ...org.requests.map((r) => ({ api: 'org', ...r })),
        ...secoda.requests.map((r) => ({ api: 'secoda', ...r })),
      ].filter((r) => r.method !== 'GET').map((r) => ({ api: r.api, method: r.method, path: r.path, status: r.status }));
    },
    async close() {
      await Promise.all([org.close(), secoda.close()]);
      await releaseStore();
      await db.cleanup();
    },
  };
}
