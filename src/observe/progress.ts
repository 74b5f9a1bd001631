/**
 * Progress for people: a live status line on a terminal (pages pulled,
 * actions done / total, ETA), periodic log lines when nobody is watching.
 */
import type { ProgressEvent, ProgressSink } from '../app/ports.js';
import type { Logger } from './logger.js';
import { statusLineOf } from './status-line.js';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function describe(event: ProgressEvent, applyStartedAt: number, now: number): string {
  if (event.phase === 'pull') {
    if (event.rolesToRead !== undefined) return `reading organization: roles of ${event.rolesRead ?? 0}/${event.rolesToRead} users`;
    const of = event.count !== undefined ? `/${event.count}` : '';
    return `reading ${event.api === 'org' ? 'organization' : 'Secoda'}: page ${event.page}, ${event.fetched}${of} users`;
  }
  const elapsed = now - applyStartedAt;
  const eta = event.done > 0 ? formatDuration((elapsed / event.done) * (event.total - event.done)) : '?';
  const failed = event.failed ? `, ${event.failed} failed` : '';
  return `applying: ${event.done}/${event.total} actions${failed}, ETA ${eta}`;
}

export interface ProgressReporter {
  sink: ProgressSink;
  /** Clears the status line (before the report is printed). */
  end(): void;
}

export function createProgress(options: { tty: boolean; stream?: NodeJS.WriteStream; logger: Logger; intervalMs?: number }): ProgressReporter {
  const line = statusLineOf(options.stream ?? process.stderr);
  const interval = options.intervalMs ?? 10_000;
  let applyStartedAt = 0;
  /** When each phase ('pull:org', 'pull:secoda', 'apply') was last logged: both APIs are read at once. */
  const lastLog = new Map<string, number>();
  /** The latest line of each API being read, shown side by side while both are. */
  const reading = new Map<string, string>();

  const sink: ProgressSink = (event) => {
    const now = Date.now();
    if (event.phase === 'apply' && applyStartedAt === 0) applyStartedAt = now - 1;
    const text = describe(event, applyStartedAt, now);
    if (options.tty) {
      if (event.phase === 'pull') {
        reading.set(event.api, text);
        line.show([...reading.values()].join(' · '));
      } else {
        reading.clear();
        line.show(text);
      }
      return;
    }
    const phaseKey = event.phase === 'pull' ? `pull:${event.api}` : 'apply';
    const finished = event.phase === 'apply' && event.done === event.total;
    const last = lastLog.get(phaseKey);
    if (last === undefined || finished || now - last >= interval) {
      options.logger.info({ progress: event }, text);
      lastLog.set(phaseKey, now);
    }
  };
  return {
    sink,
    end() {
      line.clear();
    },
  };
}
