import { extname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { REPORT_FORMATS, type ReportFormat } from '../render/report.js';
import { UsageError, type CliIo } from './io.js';

/**
 * The flags every command that runs under the run lock takes (reconcile,
 * apply, undo): how the report is written, and how long to wait for the lock.
 */
export const RUN_FLAGS = {
  format: { type: 'string' },
  out: { type: 'string' },
  wait: { type: 'string' },
} as const;

/** A run that plans writes and may be only looked at (reconcile, undo), with the mass caps lifted for it. */
export const PLANNING_FLAGS = {
  'dry-run': { type: 'boolean' },
  'max-deletes': { type: 'string' },
  'max-demotions': { type: 'string' },
} as const;

export interface RunFlagValues {
  format?: string | undefined;
  out?: string | undefined;
  wait?: string | undefined;
  'dry-run'?: boolean | undefined;
  'max-deletes'?: string | undefined;
  'max-demotions'?: string | undefined;
}

export interface RunFlags {
  formats: { stdout: ReportFormat; file: ReportFormat };
  out: string | undefined;
  waitSeconds: number;
  dryRun: boolean;
  /** --max-deletes / --max-demotions, as the run's options name them (absent when not given). */
  caps: { maxDeletesOverride?: number; maxDemotionsOverride?: number };
}

/** RUN_FLAGS and PLANNING_FLAGS read and checked (a bad one: UsageError, exit 2, before anything is opened). */
export function readRunFlags(values: RunFlagValues, io: CliIo): RunFlags {
  const formats = parseFormat(values.format, values.out, Boolean(io.stdout.isTTY));
  const maxDeletes = parseCount('--max-deletes', values['max-deletes']);
  const maxDemotions = parseCount('--max-demotions', values['max-demotions']);
  const waitSeconds = parseCount('--wait', values.wait) ?? 0;
  return {
    formats, out: values.out, waitSeconds, dryRun: Boolean(values['dry-run']),
    caps: {
      ...(maxDeletes !== undefined ? { maxDeletesOverride: maxDeletes } : {}),
      ...(maxDemotions !== undefined ? { maxDemotionsOverride: maxDemotions } : {}),
    },
  };
}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function parseFormat(value: string | undefined, out: string | undefined, isTTY: boolean): { stdout: ReportFormat; file: ReportFormat } {
  if (value !== undefined && !REPORT_FORMATS.includes(value as ReportFormat)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')} (got "${value}")`);
  }
  const explicit = value as ReportFormat | undefined;
  const byExtension: Record<string, ReportFormat> = { '.json': 'json', '.md': 'markdown', '.markdown': 'markdown', '.txt': 'table' };
  return {
    stdout: explicit ?? (isTTY ? 'table' : 'json'),
    file: explicit ?? (out ? byExtension[extname(out).toLowerCase()] ?? 'json' : 'json'),
  };
}

export function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag} must be a whole number >= 0 (got "${value}")`);
  return Number(value);
}
