/**
 * The benchmark's table: one row per scenario, the number formats every row
 * uses, and bench/RESULTS.md (one section per database backend, replaced by
 * the run on that backend).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { serverVersion } from './harness.js';

export interface BenchRow {
  scenario: string;
  measured: string;
  bound: string;
  ratio: string;
  /** true / false; null = no target for this row. */
  met: boolean | null;
  details?: string;
}

export const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const fmtMb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const fmtN = (n: number) => n.toLocaleString('en-US');
export const r2 = (x: number) => x.toFixed(2);
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Quick runs are smoke runs: their sizes are too small for the targets (fixed costs dominate), so none is judged. */
function metText(met: boolean | null, quick: boolean): string {
  if (met === null) return '—';
  if (quick) return `(${met ? 'yes' : 'no'}: quick run, not judged)`;
  return met ? 'yes' : '**no**';
}

export function renderTable(rows: readonly BenchRow[], quick: boolean): string {
  const lines = [
    '| scenario | measured | bound / target | ratio | target met |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.measured} | ${r.bound} | ${r.ratio} | ${metText(r.met, quick)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderDetails(rows: readonly BenchRow[]): string {
  return rows.filter((r) => r.details).map((r) => `- **${r.scenario}**: ${r.details}`).join('\n') + '\n';
}

/** The machine, database and load a run was measured on: the numbers mean little without it. */
export async function environmentLine(o: { serverUrl: string | undefined; quick: boolean; startLoad: string }): Promise<string> {
  const cpu = cpus();
  const model = cpu[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const db = o.serverUrl ? `${await serverVersion(o.serverUrl)} (BENCH_DATABASE_URL)` : 'PGlite (embedded)';
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  return `${cpu.length} CPUs (${model}), Node ${process.version}, ${process.platform}/${process.arch}; database: ${db}; ` +
    `load average at the end ${load} (at the start ${o.startLoad}); ` +
    `${o.quick ? 'quick' : 'full'} run, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`;
}

const RESULTS_HEADER = `# Benchmark results

Written by \`npm run bench\` (tools/bench/run-bench.ts): the built CLI against the
local simulators of both APIs, on this machine. A run replaces only the section
of the database it ran on: PGlite by default, Postgres with
\`BENCH_DATABASE_URL=postgres://…\`. See the README's Benchmark section.
`;

/** Replaces this backend's section of `file` (or appends it), leaving the other backend's as it was. */
export function writeResults(file: string, section: string, o: { backend: string; quick: boolean }): void {
  const start = `<!-- bench:${o.backend}${o.quick ? ':quick' : ''} -->`;
  const end = `<!-- /bench:${o.backend}${o.quick ? ':quick' : ''} -->`;
  const block = `${start}\n${section}${end}\n`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : RESULTS_HEADER;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i !== -1 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length + 1);
  else text = `${text.replace(/\n*$/, '\n\n')}${block}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
