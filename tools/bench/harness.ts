/**
 * Benchmark plumbing: child processes, the built CLI, fresh databases
 * (a PGlite directory, or a database of our own on the BENCH_DATABASE_URL
 * server, dropped afterwards — never any other database on that server).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase, dropScratchDatabase, maintenance } from '../db/scratch.js';

/** This file's directory: build/tools/bench/ (the tools build, `tsconfig.tools.json`). */
export const benchDir = dirname(fileURLToPath(import.meta.url));
/** The repository root: three levels up from build/tools/bench/. */
export const repoRoot = join(benchDir, '..', '..', '..');
/** The PRODUCT build (`npm run build`): the CLI the benchmark measures. */
export const distDir = join(repoRoot, 'dist');
export const cliPath = join(distDir, 'cli.js');

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Date.now() at spawn and at exit. */
  spawnedAt: number;
  exitedAt: number;
  /** performance.now() difference: spawn to exit. */
  wallMs: number;
}

/** `nodeArgs` go before the script (e.g. `--import` of the RSS probe). */
export function runNode(script: string, args: string[], env: Record<string, string>, cwd: string, nodeArgs: string[] = []): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, stderr, spawnedAt, exitedAt: Date.now(), wallMs: performance.now() - t0 });
    });
  });
}

/** A clean environment for children: nothing of the caller's sync configuration leaks in. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NODE_ENV: 'production', ...extra };
}

/** Runs a bench child script (build/tools/bench/<name>.js) and parses the JSON line it prints. */
export async function runChild<T>(name: string, args: string[], cwd: string): Promise<T> {
  return (await runChildTimed<T>(name, args, cwd)).value;
}

/** runChild, with the child process's wall time (spawn to exit), measured as the CLI's is. */
export async function runChildTimed<T>(name: string, args: string[], cwd: string): Promise<{ value: T; wallMs: number }> {
  const r = await runNode(join(benchDir, `${name}.js`), args, childEnv({}), cwd);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) {
    throw new Error(`${name} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(-500) || r.stdout.slice(-500)}`);
  }
  return { value: JSON.parse(line) as T, wallMs: r.wallMs };
}

export interface BenchDb {
  /** Environment for the CLI. */
  env: { DATABASE_URL: string; DATA_DIR: string };
  /** openStore options for the bench process itself (after the CLI has exited). */
  storeOptions: { databaseUrl?: string; dataDir: string };
  /** What store-child takes: a postgres URL or a PGlite directory. */
  target: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh database: with `serverUrl`, `sus_bench_<random>` created on that
 * server (through a maintenance connection to the URL) and dropped by
 * cleanup(); without, a PGlite directory in a fresh temp directory.
 */
export async function freshDb(serverUrl: string | undefined): Promise<BenchDb> {
  const dir = mkdtempSync(join(tmpdir(), 'sus-bench-'));
  const dataDir = join(dir, 'store');
  if (!serverUrl) {
    return {
      env: { DATABASE_URL: '', DATA_DIR: dataDir },
      storeOptions: { dataDir },
      target: dataDir,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const { databaseUrl, name } = await createScratchDatabase(serverUrl, 'sus_bench');
  let done: Promise<void> | undefined;
  return {
    env: { DATABASE_URL: databaseUrl, DATA_DIR: dataDir },
    storeOptions: { databaseUrl, dataDir },
    target: databaseUrl,
    cleanup: () =>
      (done ??= (async () => {
        try {
          await dropScratchDatabase(serverUrl, name);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      })()),
  };
}

/** `PostgreSQL 15.20` of the server, for the environment line. */
export async function serverVersion(serverUrl: string): Promise<string> {
  const sql = maintenance(serverUrl);
  try {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
    return `PostgreSQL ${row!.v.split(' ')[0]}`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
