/**
 * Alert messages: POST a summary to ALERT_WEBHOOK_URL when alert-policy.ts
 * says so (a problem begins, changes or lasts past ALERT_REPEAT; recovery; a
 * pause; a resume). The body's `text` is what Slack and Teams incoming
 * webhooks show. Delivery problems are logged, never fatal.
 */
import type { Report } from '../app/report.js';
import type { Logger } from '../observe/logger.js';
import type { AlertDecision, AlertKind } from './alert-policy.js';

/** The message's first line: what happened to the sync, in this run. */
function headline(report: Report, d: AlertDecision): string {
  const run = `secoda-user-sync run ${report.runId}`;
  const began = d.previous ? `run ${d.previous.sinceRun ?? '?'} at ${d.previous.since.toISOString()}` : 'an earlier run';
  const status = `${report.status.toUpperCase()} (${report.mode})`;
  switch (d.post) {
    case 'paused': {
      const hold = report.holds.find((h) => h.startsWith('paused: ')) ?? 'paused';
      // Paused mid-apply: the run stopped its writes (the error says how far it got); otherwise it wrote nothing.
      const run = report.status === 'interrupted' ? `Run ${report.runId} stopped its writes.` : `Run ${report.runId} read and planned, and wrote nothing.`;
      return `:double_vertical_bar: secoda-user-sync is ${hold}. ${run}`;
    }
    case 'resumed':
      return `:arrow_forward: secoda-user-sync resumed (it was paused since ${began}): ${run} ${status}.`;
    case 'recovered':
      return `:white_check_mark: ${run} succeeded again after a failed or held run (since ${began}, ${d.previous?.runs ?? '?'} run(s)).`;
    case 'repeat':
      return `:rotating_light: ${run} ${status}: still the same problem since ${began} (${(d.previous?.runs ?? 0) + 1} runs).`;
    case 'changed':
      return `:rotating_light: ${run} ${status}: the problem changed (failing or held since ${began}).`;
    default:
      return `:rotating_light: ${run} ${status}.`;
  }
}

export function alertText(report: Report, decision: AlertDecision): string {
  const s = report.summary;
  const lines = [
    headline(report, decision),
    `Planned: invite ${s.invite}, re-role ${s.update_role}, delete ${s.delete}; failed ${s.failed}, withheld ${s.withheld}, deferred ${s.deferred ?? 0}, unchanged ${s.unchanged}.`,
  ];
  if (report.error) lines.push(`Error: ${report.error}`);
  for (const hold of report.holds.slice(0, 3)) lines.push(`Held: ${hold}`);
  const failures = report.actions.filter((a) => a.status === 'failed').slice(0, 3);
  for (const f of failures) lines.push(`Failed: ${f.type} ${f.email}: ${f.error ?? 'unknown error'}`);
  if (decision.post === 'problem' || decision.post === 'changed' || decision.post === 'repeat') {
    lines.push('Posted when a problem begins or changes, and again while it lasts at most every ALERT_REPEAT; a message follows when runs succeed again.');
  }
  if (decision.post === 'paused') lines.push('To resume: secoda-user-sync resume');
  lines.push(`See the full report: secoda-user-sync report ${report.runId}`);
  return lines.join('\n');
}

export async function sendAlert(url: string, report: Report, decision: AlertDecision & { post: AlertKind }, logger: Logger, timeoutMs = 10_000): Promise<boolean> {
  const kind = decision.post;
  const body = {
    text: alertText(report, decision),
    alert: kind,
    // When the condition this message is about began (this run's, unless it goes on or just ended).
    since: (kind === 'repeat' || kind === 'recovered' || kind === 'resumed' ? decision.previous?.since : decision.next.since)?.toISOString() ?? null,
    runId: report.runId,
    status: report.status,
    mode: report.mode,
    summary: report.summary,
    holds: report.holds,
    error: report.error ?? null,
    errors: report.actions.filter((a) => a.status === 'failed').slice(0, 10).map((a) => ({ type: a.type, email: a.email, error: a.error })),
  };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      logger.warn({ status: res.status }, `alert webhook answered ${res.status}; alert not delivered`);
      return false;
    }
    logger.info({ runId: report.runId, kind }, 'alert sent');
    return true;
  } catch (err) {
    // The webhook URL is itself a credential: log only the failure's kind.
    logger.warn({ code: (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name }, 'alert webhook unreachable; alert not delivered');
    return false;
  }
}
