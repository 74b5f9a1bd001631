import { extname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { REPORT_FORMATS, type ReportFormat } from '../render/report.js';
import { UsageError } from './io.js';

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
