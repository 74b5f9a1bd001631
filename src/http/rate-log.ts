/** What a gate's learned rate changing says: a log line, and the metrics hook (HttpClientOptions.onRate). */
import type { Logger } from 'pino';
import type { RateChange } from './gate.js';

/** A gate's learned rate (see gate.ts): `kind` says which gate of the API. */
export interface RateEvent extends RateChange {
  api: string;
  kind: 'read' | 'write';
}

const perSecond = (x: number) => `${Math.round(x * 100) / 100}/s`;

/** Lowered: a warning (it costs the run time, and says what the server allows); raised or restored: debug. */
export function rateChangeReporter(
  api: string,
  kind: 'read' | 'write',
  log: Pick<Logger, 'debug' | 'warn'> | undefined,
  onRate: ((e: RateEvent) => void) | undefined,
): (c: RateChange) => void {
  return (c) => {
    const fields = {
      api, kind, ratePerSecond: c.perSecond, configuredPerSecond: c.configuredPerSecond,
      ...(c.admittedPerSecond !== undefined ? { admittedPerSecond: c.admittedPerSecond } : {}),
    };
    if (c.reason === 'lowered') {
      log?.warn(fields, `${api} API ${kind} rate lowered to ${perSecond(c.perSecond)} after a 429 (the server admitted ${perSecond(c.admittedPerSecond ?? 0)}; configured ${perSecond(c.configuredPerSecond)})`);
    } else if (c.reason === 'restored') {
      log?.debug(fields, `${api} API ${kind} rate back at the configured ${perSecond(c.configuredPerSecond)}`);
    } else {
      log?.debug(fields, `${api} API ${kind} rate raised to ${perSecond(c.perSecond)}`);
    }
    try {
      onRate?.({ ...c, api, kind });
    } catch {
      /* a metrics hook must never break a request */
    }
  };
}
