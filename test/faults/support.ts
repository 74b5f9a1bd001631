/**
 * Shared by the fault-injection suite (test/faults/*.test.ts).
 *
 * Every byte the tool writes in these tests — stdout, stderr, `--out` report
 * files, the output of spawned CLI processes — and every row of every table
 * of every test database is collected and, in an afterAll, scanned for the
 * API keys and database passwords the tests used. One hit fails the file.
 *
 * `useFaultSuite()` registers the hooks; `suite.start()` gives a harness
 * (test/helpers/harness.ts) whose runs are collected automatically and whose
 * database is dumped into the collector before it is dropped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import type { RequestLogEntry } from '../../tools/simulators/index.js';
import { ORG_TOKEN, SECODA_KEY, startHarness, type CliResult, type Harness } from '../helpers/harness.js';
import { warpClock } from '../http/warp-clock.js';

export { ORG_TOKEN, SECODA_KEY };

interface Sample {
  label: string;
  text: string;
}

export class SecretCollector {
  private readonly secrets = new Set<string>([ORG_TOKEN, SECODA_KEY]);
  private readonly samples: Sample[] = [];
  /** What was scanned, by kind (so a test can check the scan covered something). */
  readonly counts = { outputs: 0, files: 0, tables: 0, rows: 0 };

  /** Another value that must never appear (a wrong key a test sends, a database password). */
  secret(value: string): void {
    if (value.length >= 4) this.secrets.add(value);
  }

  add(label: string, text: string): void {
    this.samples.push({ label, text });
  }

  /** Every collected sample, checked for every secret (raw and percent-encoded). */
  hits(): string[] {
    const found: string[] = [];
    for (const secret of this.secrets) {
      const forms = new Set([secret, encodeURIComponent(secret)]);
      for (const s of this.samples) {
        for (const form of forms) {
          const i = s.text.indexOf(form);
          if (i >= 0) {
            const around = s.text.slice(Math.max(0, i - 80), i + form.length + 80).split(form).join('<SECRET>');
            found.push(`${s.label}: …${around}…`);
          }
        }
      }
    }
    return found;
  }

  assertClean(): void {
    expect(this.hits(), 'a secret was found in output or in the database').toEqual([]);
  }
}

/** All rows of all tables (drizzle's migrations table included), one text sample per table; `sql` runs raw SQL. */
export async function dumpDatabase(collector: SecretCollector, label: string, sql: (text: string) => Promise<Record<string, unknown>[]>): Promise<void> {
  const listSql = `select table_schema as s, table_name as t from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`;
  const tables: { s: string; t: string; rows: string[] }[] = [];
  for (const { s, t } of (await sql(listSql)) as { s: string; t: string }[]) {
    const rows = (await sql(`select row_to_json(x)::text as j from "${s}"."${t}" x`)) as { j: string }[];
    tables.push({ s, t, rows: rows.map((r) => r.j) });
  }
  for (const { s, t, rows } of tables) {
    collector.counts.tables++;
    collector.counts.rows += rows.length;
    collector.add(`${label} table ${s}.${t}`, rows.join('\n'));
  }
}

export interface FaultHarness extends Harness {
  collector: SecretCollector;
  /** Wall clock (ms since epoch) of the simulators and the CLI's HTTP clients: warped in a warp suite, else Date.now. */
  now(): number;
}

export interface FaultSuite {
  collector: SecretCollector;
  /** A harness for this test; closed (database dumped first) after the test. */
  start(opts?: Parameters<typeof startHarness>[0]): Promise<FaultHarness>;
}

/**
 * Registers afterEach (close + dump) and afterAll (secret scan) in the calling test file.
 * `warp`: the CLI's backoff and 429 pauses are skipped (a warp clock): the faults and
 * retries all happen, only the waits between them do not. The simulators keep the same
 * warped time (their request log, rate windows and Retry-After dates), so what the log
 * shows about waits — who arrived during a pause — holds as in real time.
 */
export function useFaultSuite(file: string, options: { warp?: boolean } = {}): FaultSuite {
  const collector = new SecretCollector();
  const open: FaultHarness[] = [];
  let n = 0;

  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  afterAll(() => {
    // Every harness's database was dumped: the scan covered the tables too.
    if (n > 0) expect(collector.counts.tables).toBeGreaterThanOrEqual(n);
    collector.assertClean();
  });

  return {
    collector,
    async start(opts) {
      const clock = options.warp ? warpClock() : undefined;
      const now = clock ? clock.epochNow : Date.now;
      const base = await startHarness({ ...(clock ? { clock } : {}), ...opts });
      const id = `${file}#${++n}`;
      let closed = false;
      const h: FaultHarness = {
        ...base,
        collector,
        now,
        async run(args, env, signal) {
          const r = await base.run(args, env, signal);
          collectRun(collector, `${id} ${args.join(' ')}`, r, base.cwd, args);
          return r;
        },
        async close() {
          if (closed) return;
          closed = true;
          try {
            await base.sqlSession((sql) => dumpDatabase(collector, id, sql));
          } finally {
            await base.close();
          }
        },
      };
      open.push(h);
      return h;
    },
  };
}

export function collectRun(collector: SecretCollector, label: string, r: Pick<CliResult, 'stdout' | 'stderr'>, cwd: string, args: string[]): void {
  collector.counts.outputs++;
  collector.add(`${label} stdout`, r.stdout);
  collector.add(`${label} stderr`, r.stderr);
  const i = args.indexOf('--out');
  if (i >= 0 && args[i + 1]) {
    const file = resolve(cwd, args[i + 1]!);
    if (existsSync(file)) {
      collector.counts.files++;
      collector.add(`${label} --out ${args[i + 1]}`, readFileSync(file, 'utf8'));
    }
  }
}

// ---------------------------------------------------------------------------
// small helpers

export const isWrite = (r: { method: string }) => r.method !== 'GET' && r.method !== 'HEAD' && r.method !== 'OPTIONS';

/** Requests (of one simulator's log) that match method and a path test. */
export function requestsTo(log: readonly RequestLogEntry[], method: string, path?: RegExp): RequestLogEntry[] {
  return log.filter((r) => r.method === method && (!path || path.test(r.path)));
}

/** Polls `check` until it holds (robust under load: never a fixed sleep). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Lower-cased email -> role of the Secoda users that are not service accounts, guests or disabled. */
export function managedSecoda(users: readonly { email: unknown; role: string; is_service_account: boolean; disabled: boolean }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const u of users) {
    if (u.is_service_account || u.disabled || u.role === 'guest') continue;
    out[String(u.email).trim().toLowerCase()] = u.role;
  }
  return out;
}

/** Emails (lower-cased) that occur more than once among the Secoda users. */
export function duplicateEmails(users: readonly { email: unknown }[]): string[] {
  const seen = new Map<string, number>();
  for (const u of users) {
    const k = String(u.email).trim().toLowerCase();
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}
