/**
 * When to post: on the edges of a lasting condition, not after every run. A
 * broken key on a 15-minute schedule is one message when it begins, one more
 * every ALERT_REPEAT while it lasts, and one when it is fixed — not 96 a day.
 * Pure: the daemon brings the stored state and the time, and stores `next`
 * once the message is delivered (an undelivered alert is tried again at the
 * next run).
 */
import type { Report } from '../app/report.js';
import type { AlertState } from '../store/types.js';

/** What one finished run says about the sync; null: it says nothing (interrupted, abandoned). */
export type Observed =
  | { condition: 'ok' }
  /** failed or held; `cause` tells one problem from another. */
  | { condition: 'problem'; cause: string }
  /** held by a pause; `cause` is that pause's hold (its reason, time and author: a new pause is a new cause). */
  | { condition: 'paused'; cause: string };

export type AlertKind =
  | 'problem' // a failure or hold began
  | 'changed' // it goes on, for another reason
  | 'repeat' // the same one, ALERT_REPEAT after the last post
  | 'recovered' // the first success after it
  | 'paused'
  | 'resumed'; // the first run after a pause (its own problem, if any, is in the same message)

export interface AlertDecision {
  /** null: nothing to post. */
  post: AlertKind | null;
  /** The state to store after a delivered post (or right away when nothing is posted). */
  next: AlertState;
  /** The state before this run (what began when, for the message). */
  previous: AlertState | null;
}

const PAUSE_HOLD = 'paused: ';

export function observe(report: Report): Observed | null {
  const pause = report.holds.find((h) => h.startsWith(PAUSE_HOLD));
  if (pause) return { condition: 'paused', cause: pause };
  if (report.status === 'failed' || report.status === 'held') return { condition: 'problem', cause: causeOf(report) };
  if (report.status === 'succeeded') return { condition: 'ok' };
  return null;
}

/**
 * The same problem run after run words itself with other numbers (how many
 * deletes, which user id): the cause is the status and the error and holds
 * with every number blanked.
 */
export function causeOf(report: Pick<Report, 'status' | 'error' | 'holds'>): string {
  const lines = [report.status, ...(report.error ? [report.error] : []), ...[...report.holds].sort()];
  return lines.map((l) => l.replace(/\d+(\.\d+)?/g, '#')).join('\n');
}

export function decideAlert(previous: AlertState | null, seen: Observed, runId: number, now: Date, repeatMs: number): AlertDecision {
  const prev = previous ?? { condition: 'ok', cause: null, since: now, sinceRun: null, lastPostedAt: null, lastRun: null, runs: 0 };
  const same = prev.condition === seen.condition && (seen.condition === 'ok' || prev.cause === seen.cause);
  if (same) {
    const due = seen.condition === 'problem' && repeatMs > 0 && (!prev.lastPostedAt || now.getTime() - prev.lastPostedAt.getTime() >= repeatMs);
    return {
      post: due ? 'repeat' : null,
      next: { ...prev, lastRun: runId, runs: prev.runs + 1, ...(due ? { lastPostedAt: now } : {}) },
      previous,
    };
  }
  const began: AlertState = {
    condition: seen.condition, cause: seen.condition === 'ok' ? null : seen.cause,
    since: now, sinceRun: runId, lastPostedAt: now, lastRun: runId, runs: 1,
  };
  let post: AlertKind;
  if (seen.condition === 'paused') post = 'paused';
  else if (prev.condition === 'paused') post = 'resumed';
  else if (seen.condition === 'ok') post = 'recovered';
  else post = prev.condition === 'problem' ? 'changed' : 'problem';
  return { post, next: began, previous };
}
