import type { RunRecord } from '../store/types.js';
import { formatDuration } from '../observe/progress.js';
import type { ReportFormat } from './report.js';
import { markdownTable, textTable } from './text-table.js';

const HEADERS = ['run', 'mode', 'status', 'started', 'duration', 'invite', 're-role', 'delete', 'failed', 'withheld'];

function row(r: RunRecord): string[] {
  const s = r.summary;
  return [
    String(r.id), modeLabel(r), r.status, r.startedAt.toISOString(),
    r.finishedAt ? formatDuration(r.finishedAt.getTime() - r.startedAt.getTime()) : '-',
    ...[s?.invite, s?.update_role, s?.delete, s?.failed, s?.withheld].map((v) => String(v ?? '-')),
  ];
}

export function renderRunList(runs: readonly RunRecord[], format: ReportFormat): string {
  if (format === 'json') {
    return `${JSON.stringify(runs.map((r) => ({
      runId: r.id, mode: r.mode, status: r.status, startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
      summary: r.summary, error: r.error,
      ...(r.planRun !== null ? { planRun: r.planRun } : {}), ...(r.undoOf !== null ? { undoOf: r.undoOf } : {}),
    })), null, 2)}\n`;
  }
  if (runs.length === 0) return 'No runs recorded yet.\n';
  return `${(format === 'markdown' ? markdownTable : textTable)(HEADERS, runs.map(row))}\n`;
}

/** The mode, with the run it applies the plan of or reverses (`undo of 12`). */
function modeLabel(r: RunRecord): string {
  if (r.undoOf !== null) return `${r.mode} of ${r.undoOf}`;
  if (r.planRun !== null) return `${r.mode} of ${r.planRun}`;
  return r.mode;
}
