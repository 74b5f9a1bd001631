import type { Report, ReportAction } from '../app/report.js';
import { markdownTable, textTable } from './text-table.js';

export type ReportFormat = 'table' | 'json' | 'markdown';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'markdown'];

export function renderReport(report: Report, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(report) : renderTable(report);
}

// 'email': a member's email, or a group's name (action "group"); 'change': role, name or group members.
const ACTION_HEADERS = ['#', 'action', 'email', 'name', 'change', 'status', 'error / reason'];

function actionRows(actions: readonly ReportAction[]): string[][] {
  return actions.map((a, i) => [
    String(i + 1),
    a.type,
    a.email,
    a.name ?? '',
    changeOf(a),
    statusText(a),
    [a.error, a.reason].filter(Boolean).join('; '),
  ]);
}

/** A deferred delete says when it becomes due. */
function statusText(a: ReportAction): string {
  return a.status === 'deferred' && a.dueAt ? `deferred until ${a.dueAt}` : a.status.replace('_', ' ');
}

/** The action's change in one cell: a role, a rename, a group's members added (+) and removed (-). */
function changeOf(a: ReportAction): string {
  switch (a.type) {
    case 'invite':
      return `-> ${a.to ?? ''}${a.groups?.length ? `; groups: ${a.groups.join(', ')}` : ''}`;
    case 'update_role':
      return `${a.from ?? '?'} -> ${a.to ?? ''}`;
    case 'update_name':
      return `name "${a.fromName ?? ''}" -> "${a.name ?? ''}"`;
    case 'group':
      return a.group ? groupChange(a.group) : '';
    default:
      return a.from ?? '';
  }
}

function groupChange(g: NonNullable<ReportAction['group']>): string {
  return [
    g.created ? `create (${g.members} member${g.members === 1 ? '' : 's'})` : '',
    ...g.added.map((e) => `+${e}`),
    ...g.removed.map((e) => `-${e}`),
    ...(g.withheldRemovals.length ? [`withheld: ${g.withheldRemovals.map((e) => `-${e}`).join(' ')}`] : []),
  ].filter(Boolean).join(' ');
}

function headline(r: Report): string {
  const modes: Record<Report['mode'], string> = {
    'dry-run': 'dry run (nothing was changed)',
    apply: 'apply',
    'apply-plan': `apply of the reviewed plan of run ${r.planRun ?? '?'}`,
    undo: `undo of run ${r.undoOf ?? '?'}`,
    'undo-dry-run': `undo of run ${r.undoOf ?? '?'}, dry run (nothing was changed)`,
  };
  return `Run ${r.runId} — ${modes[r.mode] ?? r.mode} — ${r.status.toUpperCase()}`;
}

/** A dry run's report is a plan: for which workspace and org API, and how to apply it. */
function planLine(r: Report): string | null {
  if (!r.plan) return null;
  return `plan for Secoda "${r.plan.workspace}" and org API "${r.plan.orgApi}" (made ${r.plan.createdAt}); ` +
    'to approve it: --out plan.json, delete what you do not approve, secoda-user-sync apply plan.json';
}

/** A reviewed plan's leftovers, when there are any. */
function reviewCounts(s: Report['summary']): string {
  return s.stale !== undefined || s.not_reviewed !== undefined ? `, stale ${s.stale ?? 0}, not reviewed ${s.not_reviewed ?? 0}` : '';
}

function countsLine(r: Report): string {
  const s = r.summary;
  return [
    // An undo follows the audit trail, not the source: it reads Secoda only.
    r.mode === 'undo' || r.mode === 'undo-dry-run' ? 'source users: not read (an undo follows the run it reverses)' : `source users: ${r.source.users ?? '?'}`,
    `Secoda users: ${r.target.users ?? '?'} (${r.target.managed ?? '?'} managed)`,
    `invite ${s.invite}, re-role ${s.update_role}, delete ${s.delete}, unchanged ${s.unchanged}, skipped ${s.skipped}, failed ${s.failed}, withheld ${s.withheld}, deferred ${s.deferred ?? 0}${reviewCounts(s)}`,
    ...(extraCounts(r) ? [extraCounts(r)!] : []),
  ].join('\n');
}

/** Renames and group writes, when the run had any (SYNC_NAMES, GROUP_MAP). */
function extraCounts(r: Report): string | undefined {
  const s = r.summary;
  if (!s.update_name && !s.group) return undefined;
  return `rename ${s.update_name ?? 0}, group writes ${s.group ?? 0} (members added ${s.group_added ?? 0}, removed ${s.group_removed ?? 0})`;
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
  const plan = planLine(r);
  if (plan) out.push(plan);
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
      ['source users', 'Secoda users', 'managed', 'invite', 're-role', 'delete', 'unchanged', 'skipped', 'failed', 'withheld', 'deferred'],
      [[r.source.users, r.target.users, r.target.managed, s.invite, s.update_role, s.delete, s.unchanged, s.skipped, s.failed, s.withheld, s.deferred ?? 0].map((v) => String(v ?? '?'))],
    ),
  ];
  if (extraCounts(r)) out.push('', extraCounts(r)!);
  const review = reviewCounts(s);
  if (review) out.push('', `Reviewed plan: ${review.slice(2)}`);
  const plan = planLine(r);
  if (plan) out.push('', `_${plan}_`);
  if (r.error) out.push('', `**Error:** ${r.error}`);
  if (r.holds.length) out.push('', '**Held:**', '', ...r.holds.map((h) => `- ${h}`));
  if (r.notes.length) out.push('', '**Notes:**', '', ...r.notes.map((n) => `- ${n}`));
  out.push('', '#### Actions', '', r.actions.length ? markdownTable(ACTION_HEADERS, actionRows(r.actions)) : '_No changes: Secoda already matches the organization._');
  if (r.skipped.length) {
    out.push('', `<details><summary>Skipped (outside the sync): ${r.skipped.length}</summary>`, '', markdownTable(['email', 'reason'], r.skipped.map((x) => [x.email, x.reason])), '', '</details>');
  }
  return `${out.join('\n')}\n`;
}
