import type { Report, ReportAction } from '../app/report.js';
import { markdownTable, textTable } from './text-table.js';

export type ReportFormat = 'table' | 'json' | 'markdown';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'markdown'];

export function renderReport(report: Report, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(report) : renderTable(report);
}

const ACTION_HEADERS = ['#', 'action', 'email', 'name', 'role', 'status', 'error'];

function actionRows(actions: readonly ReportAction[]): string[][] {
  return actions.map((a, i) => [
    String(i + 1),
    a.type,
    a.email,
    a.name ?? '',
    a.type === 'invite' ? `-> ${a.to ?? ''}` : a.type === 'update_role' ? `${a.from ?? '?'} -> ${a.to ?? ''}` : (a.from ?? ''),
    a.status,
    a.error ?? '',
  ]);
}

function headline(r: Report): string {
  const mode = r.mode === 'dry-run' ? 'dry run (nothing was changed)' : 'apply';
  return `Run ${r.runId} — ${mode} — ${r.status.toUpperCase()}`;
}

function countsLine(r: Report): string {
  const s = r.summary;
  return [
    `source users: ${r.source.users ?? '?'}`,
    `Secoda users: ${r.target.users ?? '?'} (${r.target.managed ?? '?'} managed)`,
    `invite ${s.invite}, re-role ${s.update_role}, delete ${s.delete}, unchanged ${s.unchanged}, skipped ${s.skipped}, failed ${s.failed}, withheld ${s.withheld}`,
  ].join('\n');
}

/** How Secoda's users were read, in one line (absent when the run did not get that far). */
export function secodaReadLine(r: Report): string | undefined {
  const s = r.secodaRead;
  if (!s) return undefined;
  if (s.mode === 'full') return `Secoda list: read in full (${s.reason})`;
  return `Secoda list: from the snapshot read in full at ${s.snapshotAt ?? '?'} (${s.reason}); ` +
    `live records confirmed before writing: ${s.confirmed}, re-planned: ${s.replanned}, gone: ${s.gone}`;
}

function timing(r: Report): string {
  return `started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}`;
}

function renderTable(r: Report): string {
  const read = secodaReadLine(r);
  const out = [headline(r), timing(r), countsLine(r), ...(read ? [read] : [])];
  if (r.error) out.push('', `ERROR: ${r.error}`);
  if (r.holds.length) out.push('', 'HELD:', ...r.holds.map((h) => `  ! ${h}`));
  if (r.notes.length) out.push('', 'NOTES:', ...r.notes.map((n) => `  - ${n}`));
  out.push('', r.actions.length ? textTable(ACTION_HEADERS, actionRows(r.actions)) : 'No changes: Secoda already matches the organization.');
  if (r.skipped.length) out.push('', `Skipped (outside the sync): ${r.skipped.length}`, textTable(['email', 'reason'], r.skipped.map((s) => [s.email, s.reason])));
  return `${out.join('\n')}\n`;
}

function renderMarkdown(r: Report): string {
  const s = r.summary;
  const out = [
    `### secoda-user-sync: ${headline(r)}`,
    '',
    `_${timing(r)}_`,
    '',
    ...(secodaReadLine(r) ? [secodaReadLine(r)!, ''] : []),
    markdownTable(
      ['source users', 'Secoda users', 'managed', 'invite', 're-role', 'delete', 'unchanged', 'skipped', 'failed', 'withheld'],
      [[r.source.users, r.target.users, r.target.managed, s.invite, s.update_role, s.delete, s.unchanged, s.skipped, s.failed, s.withheld].map((v) => String(v ?? '?'))],
    ),
  ];
  if (r.error) out.push('', `**Error:** ${r.error}`);
  if (r.holds.length) out.push('', '**Held:**', '', ...r.holds.map((h) => `- ${h}`));
  if (r.notes.length) out.push('', '**Notes:**', '', ...r.notes.map((n) => `- ${n}`));
  out.push('', '#### Actions', '', r.actions.length ? markdownTable(ACTION_HEADERS, actionRows(r.actions)) : '_No changes: Secoda already matches the organization._');
  if (r.skipped.length) {
    out.push('', `<details><summary>Skipped (outside the sync): ${r.skipped.length}</summary>`, '', markdownTable(['email', 'reason'], r.skipped.map((x) => [x.email, x.reason])), '', '</details>');
  }
  return `${out.join('\n')}\n`;
}
