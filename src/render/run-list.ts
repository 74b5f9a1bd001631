import type { PauseRecord, RunRecord } from '../store/types.js';
import { pauseText } from './pause.js';
import { formatDuration } from '../observe/progress.js';
import type { ReportFormat } from './report.js';
import { markdownTable, textTable } from './text-table.js';

const HEADERS = ['run', 'mode', 'status', 'started', 'duration', 'invite', 're-role', 'delete', 'rename', 'groups', 'failed', 'withheld', 'deferred'];

function row(r: RunRecord): string[] {
  const s = r.summary;
  return [
    // A run held by a pause says so: "held" alone would send the reader looking for a rail.
    String(r.id), modeLabel(r), r.holds.some((h) => h.startsWith('paused: ')) ? `${r.status} (paused)` : r.status, r.startedAt.toISOString(),
    r.finishedAt ? formatDuration(r.finishedAt.getTime() - r.startedAt.getTime()) : '-',
    // rename / groups / deferred: SYNC_NAMES renames, GROUP_MAP group writes, DELETE_AFTER deferred deletes
    // ('-' in runs recorded before names and groups existed; runs before DELETE_AFTER deferred nothing).
    ...[s?.invite, s?.update_role, s?.delete, s?.update_name, s?.group, s?.failed, s?.withheld, s ? (s.deferred ?? 0) : undefined].map((v) => String(v ?? '-')),
  ];
}

/** The sync's pause, above the list: runs go on, and write nothing. */
export function pauseBanner(p: PauseRecord): string {
  return `PAUSED — ${pauseText(p)}. Runs read and plan but write nothing (held) until: secoda-user-sync resume`;
}

export function renderRunList(runs: readonly RunRecord[], format: ReportFormat, paused: PauseRecord | null = null): string {
  if (format === 'json') {
    return `${JSON.stringify(runs.map((r) => ({
      runId: r.id, mode: r.mode, status: r.status, startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
      summary: r.summary, error: r.error, holds: r.holds,
      ...(r.planRun !== null ? { planRun: r.planRun } : {}), ...(r.undoOf !== null ? { undoOf: r.undoOf } : {}),
    })), null, 2)}\n`;
  }
  const banner = paused ? `${format === 'markdown' ? `**${pauseBanner(paused)}**` : pauseBanner(paused)}\n\n` : '';
  if (runs.length === 0) return `${banner}No runs recorded yet.\n`;
  return `${banner}${(format === 'markdown' ? markdownTable : textTable)(HEADERS, runs.map(row))}\n`;
}

/** The mode, with the run it applies the plan of or reverses (`undo of 12`). */
function modeLabel(r: RunRecord): string {
  if (r.undoOf !== null) return `${r.mode} of ${r.undoOf}`;
  if (r.planRun !== null) return `${r.mode} of ${r.planRun}`;
  return r.mode;
}
