/**
 * Failure alerts: after a run that failed or was held — and after the first
 * success that follows one — POST a summary to ALERT_WEBHOOK_URL. The body's
 * `text` is what Slack and Teams incoming webhooks show. Delivery problems are
 * logged, never fatal.
 */
import type { Report } from '../app/report.js';
import type { Logger } from '../observe/logger.js';

export function shouldAlert(report: Report, previousStatus: string | null): 'problem' | 'recovered' | null {
  if (report.status === 'failed' || report.status === 'held') return 'problem';
  if (report.status === 'succeeded' && (previousStatus === 'failed' || previousStatus === 'held')) return 'recovered';
  return null;
}

export function alertText(report: Report, kind: 'problem' | 'recovered'): string {
  const s = report.summary;
  const head = kind === 'recovered'
    ? `:white_check_mark: secoda-user-sync run ${report.runId} succeeded again after a failed or held run.`
    : `:rotating_light: secoda-user-sync run ${report.runId} ${report.status.toUpperCase()} (${report.mode}).`;
  const lines = [
    head,
    `Planned: invite ${s.invite}, re-role ${s.update_role}, delete ${s.delete}; failed ${s.failed}, withheld ${s.withheld}, unchanged ${s.unchanged}.`,
  ];
  if (report.error) lines.push(`Error: ${report.error}`);
  for (const hold of report.holds.slice(0, 3)) lines.push(`Held: ${hold}`);
  const failures = report.actions.filter((a) => a.status === 'failed').slice(0, 3);
  for (const f of failures) lines.push(`Failed: ${f.type} ${f.email}: ${f.error ?? 'unknown error'}`);
  lines.push(`See the full report: secoda-user-sync report ${report.runId}`);
  return lines.join('\n');
}

export async function sendAlert(url: string, report: Report, kind: 'problem' | 'recovered', logger: Logger, timeoutMs = 10_000): Promise<boolean> {
  const body = {
    text: alertText(report, kind),
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
