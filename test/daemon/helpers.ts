/**
 * Helpers for the daemon tests: run the CLI in this process (startCli), or
 * spawn the BUILT CLI (dist/cli.js, compiled by test/setup/build.ts) where a
 * real process is the point (signals, SIGKILL, processes racing); collect its
 * pino JSON log lines, poll for conditions, pick free ports, receive
 * webhooks, read recorded runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { copyPgliteTemplate } from '../helpers/pglite-template.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

/** One pino JSON line (or { msg } for a non-JSON line). */
export interface LogLine {
  level?: number;
  time?: number;
  msg: string;
  runId?: number;
  status?: string;
  [k: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the exit was seen. */
  at: number;
}

/** A CLI run: in this process (startCli) or a child process (spawnCli, spawnNode). */
export interface Proc {
  /** Every stderr line, parsed when JSON. */
  lines: LogLine[];
  stderr(): string;
  stdout(): string;
  exited: Promise<Exit>;
  /** Set once the process has exited. */
  exit?: Exit;
  /** Waits until a log line matches (checks lines already seen too). */
  waitForLine(pred: (l: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  has(pred: (l: LogLine) => boolean): boolean;
  /** Sends a signal (in process: the CLI's stop signal, as on SIGTERM/SIGINT) and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface ChildProc extends Proc {
  child: ChildProcess;
  pid: number;
}

/** Runs not yet exited, stopped by killAll. */
const running = new Set<Proc>();

/** The environment a child gets: nothing from ours but PATH/HOME, plus the given variables. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
    ...env,
  };
}

/** Spawns `node dist/cli.js ...args` with exactly `env` (plus PATH/HOME) in `cwd`. */
export function spawnCli(args: string[], env: Record<string, string>, cwd: string): ChildProc {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: the globalSetup build did not run`);
  return spawnNode([CLI, ...args], env, cwd);
}

/** Spawns `node ...args` (a script and its arguments) with exactly `env` (plus PATH/HOME) in `cwd`. */
export function spawnNode(args: string[], env: Record<string, string>, cwd: string): ChildProc {
  const child = spawn(process.execPath, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.setEncoding('utf8');
  child.stdout!.setEncoding('utf8');
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const proc = track(exited, async (signal) => {
    child.kill(signal);
  });
  child.stderr!.on('data', (chunk: string) => proc.onStderr(chunk));
  child.stdout!.on('data', (chunk: string) => proc.onStdout(chunk));
  return Object.assign(proc, { child, pid: child.pid! });
}

export { manualTicks } from './ticks.js';

/**
 * Runs `main(args)` in this process with exactly `env`: what the built CLI
 * does, without a process to start (stop() aborts its signal, as the entry
 * point does on SIGTERM/SIGINT). `io`: the daemon's ticks fired by the test
 * (manualTicks), the HTTP clients' clock (a warp clock).
 */
export function startCli(args: string[], env: Record<string, string>, cwd: string, io: Pick<CliIo, 'ticks' | 'clock' | 'openStore'> = {}): Proc {
  const controller = new AbortController();
  const sink = (write: (text: string) => void) => new Writable({
    write(chunk, _encoding, callback) {
      write(chunk.toString());
      callback();
    },
  });
  let proc: Proc & Sinks;
  const stdout = sink((t) => proc.onStdout(t));
  const stderr = sink((t) => proc.onStderr(t));
  const exited = main(args, { env: { ...childEnv(env) }, cwd, stdout, stderr, signal: controller.signal, ...io })
    .catch((err: unknown) => {
      proc.onStderr(`uncaught: ${(err as Error).stack ?? String(err)}\n`);
      return 70;
    })
    .then((code): Exit => ({ code, signal: null, at: Date.now() }));
  proc = track(exited, async () => controller.abort());
  return proc;
}

interface Sinks {
  onStderr(chunk: string): void;
  onStdout(chunk: string): void;
}

/** The Proc around a run's output and exit; `kill` delivers a signal. */
function track(exited: Promise<Exit>, kill: (signal: NodeJS.Signals) => Promise<void>): Proc & Sinks {
  let err = '';
  let out = '';
  let partial = '';
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const proc: Proc & Sinks = {
    lines,
    stderr: () => err,
    stdout: () => out,
    onStdout(chunk) {
      out += chunk;
    },
    onStderr(chunk) {
      err += chunk;
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) {
        if (!raw.trim()) continue;
        try {
          const parsed = JSON.parse(raw) as LogLine;
          lines.push(typeof parsed === 'object' && parsed !== null ? parsed : { msg: raw });
        } catch {
          lines.push({ msg: raw });
        }
      }
      notify();
    },
    exited: exited.then((exit) => {
      proc.exit = exit;
      running.delete(proc);
      notify();
      return exit;
    }),
    has: (pred) => lines.some(pred),
    waitForLine(pred, what, timeoutMs = 20_000) {
      return new Promise<LogLine>((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit) {
            done();
            resolve(hit);
          } else if (proc.exit) {
            done();
            reject(new Error(`process exited (${proc.exit.code ?? proc.exit.signal}) before: ${what}\n--- stderr ---\n${tail(err)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\n--- stderr ---\n${tail(err)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (proc.exit) return proc.exit;
      await kill(signal);
      return withTimeout(proc.exited, timeoutMs, `exit after ${signal}`);
    },
  };
  running.add(proc);
  return proc;
}

/** Ends every run still going (afterEach): SIGKILL for a child, the stop signal in process. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map(async (p) => {
    if (!p.exit) void p.stop('SIGKILL', 10_000).catch(() => {});
    await withTimeout(p.exited, 10_000, 'exit after SIGKILL').catch(() => {});
  }));
}

export function tail(text: string, n = 40): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `fn` until it returns a truthy value. */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A port nobody listens on right now (bind to 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET with a timeout; body as text. */
export async function get(url: string, init: RequestInit = {}): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

export interface WebhookReceiver {
  url: string;
  received: { at: number; path: string; body: any }[];
  close(): Promise<void>;
}

/** A tiny incoming-webhook receiver that records every POSTed JSON body. */
export async function startWebhookReceiver(path = '/services/T000/B000/secret-hook'): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        /* kept as text */
      }
      received.push({ at: Date.now(), path: req.url ?? '', body: parsed });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface ListedRun {
  runId: number;
  mode: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  summary: Record<string, number> | null;
  error: string | null;
}

/** Recorded runs, oldest first, through `report --list --format json` (in-process CLI). */
export async function listRuns(h: Harness, limit = 200): Promise<ListedRun[]> {
  const r = await h.run(['report', '--list', '--format', 'json', '--limit', String(limit)]);
  if (r.code !== 0) throw new Error(`report --list exited ${r.code}: ${r.stderr}`);
  return (r.json() as ListedRun[]).sort((a, b) => a.runId - b.runId);
}

/** One run's JSON report (actions included), through `report RUN_ID --format json`. */
export async function runReport(h: Harness, runId: number): Promise<any> {
  const r = await h.run(['report', String(runId), '--format', 'json']);
  if (r.code !== 0) throw new Error(`report ${runId} exited ${r.code}: ${r.stderr}`);
  return r.json();
}

/** Fails unless the finished runs' [startedAt, finishedAt] intervals are pairwise disjoint. */
export function overlaps(runs: ListedRun[]): string[] {
  const problems: string[] = [];
  const spans = runs.map((r) => ({ id: r.runId, s: Date.parse(r.startedAt), f: r.finishedAt ? Date.parse(r.finishedAt) : Number.POSITIVE_INFINITY }));
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      if (a.s < b.f && b.s < a.f) problems.push(`run ${a.id} [${runs[i]!.startedAt} .. ${runs[i]!.finishedAt}] overlaps run ${b.id} [${runs[j]!.startedAt} .. ${runs[j]!.finishedAt}]`);
    }
  }
  return problems;
}

/** Log-line predicates. */
export const runFinished = (l: LogLine) => typeof l.runId === 'number' && /^run \d+ (succeeded|failed|held|interrupted)$/.test(l.msg);
export const runStarted = (l: LogLine) => typeof l.runId === 'number' && /^run \d+ started$/.test(l.msg);

/** The daemon's environment on top of a harness: HTTP on a given port (or off), logs at info. */
export function daemonEnv(h: Harness, extra: Record<string, string> = {}): Record<string, string> {
  return { ...h.env, LOG_LEVEL: 'info', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', RUN_RETENTION_DAYS: '0', ...extra };
}

/** Users for the org simulator: one admin plus n analysts. */
export function orgUsers(n: number, prefix = 'user'): { email: string; name: string; roles: string[] }[] {
  return [
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    ...Array.from({ length: n }, (_, i) => ({ email: `${prefix}${String(i).padStart(4, '0')}@acme.com`, name: `User ${i}`, roles: ['analyst'] })),
  ];
}

/** Org users and matching Secoda users (nothing to do) for runs that only read. */
export function seedInSync(h: Harness, n: number): void {
  const users = orgUsers(n);
  h.org.seed(users);
  h.secoda.seed(users.map((u) => ({ email: u.email, first_name: u.name.split(' ')[0], last_name: u.name.split(' ').slice(1).join(' '), role: u.roles[0] === 'admin' ? 'admin' : 'viewer' })));
}

/**
 * A harness whose Secoda simulator can be slow on writes only: the latency is
 * switched per request as it arrives (reads and writes never mix during an
 * apply), so a run reads quickly and then writes slowly.
 */
export async function startDaemonHarness(): Promise<Harness & { secodaLatency(l: { read?: number; write?: number }): void }> {
  let read = 0;
  let write = 0;
  let sim: Harness['secoda'] | undefined;
  const h = await startHarness({
    reopenStore: true, // the daemon, a child process, opens the database
    secoda: { onRequest: (e) => sim?.setLatency(e.method === 'GET' ? read : write) },
  });
  sim = h.secoda;
  return Object.assign(h, {
    secodaLatency(l: { read?: number; write?: number }) {
      if (l.read !== undefined) read = l.read;
      if (l.write !== undefined) write = l.write;
    },
  });
}

/**
 * A fresh, migrated embedded data directory under `parent` (copied from the
 * suite's template), for the tests that are about PGlite whatever
 * TEST_DATABASE_URL says.
 */
export async function freshPgliteDir(parent: string): Promise<string> {
  const dir = join(mkdtempSync(join(parent, 'pglite-')), 'db');
  await copyPgliteTemplate(dir);
  return dir;
}

/** Secoda/org write requests the simulators saw (method, path, arrival, status). */
export function writesOf(sim: { requests: { method: string; path: string; at: number; status: unknown }[] }) {
  return sim.requests.filter((r) => r.method !== 'GET');
}
