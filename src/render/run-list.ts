import type { RunRecord } from '../store/types.js';
import { formatDuration } from '../observe/progress.js';
import type { ReportFormat } from './report.js';
import { markdownTable, textTable } from './text-table.js';

const HEADERS = ['run', 'mode', 'status', 'started', 'duration', 'invite', 're-role', 'delete', 'rename', 'groups', 'failed', 'withheld'];

function row(r: RunRecord): string[] {
  const s = r.summary;
  return [
    String(r.id), r.mode, r.status, r.startedAt.toISOString(),
    r.finishedAt ? formatDuration(r.finishedAt.getTime() - r.startedAt.getTime()) : '-',
    // rename / groups: SYNC_NAMES renames and GROUP_MAP group writes ('-' in runs recorded before they existed).
    ...[s?.invite, s?.update_role, s?.delete, s?.update_name, s?.group, s?.failed, s?.withheld].map((v) => String(v ?? '-')),
  ];
}

export function renderRunList(runs: readonly RunRecord[], format: ReportFormat): string {
  if (format === 'json') {
    return `${JSON.stringify(runs.map((r) => ({
      runId: r.id, mode: r.mode, status: r.status, startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
      summary: r.summary, error: r.error,
    })), null, 2)}\n`;
  }
  if (runs.length === 0) return 'No runs recorded yet.\n';
  return `${(format === 'markdown' ? markdownTable : textTable)(HEADERS, runs.map(row))}\n`;
}
