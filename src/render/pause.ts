import type { PauseRecord } from '../store/types.js';

/** "paused: TEXT (since …, by …)", the words of the run's hold. */
export function pauseText(p: Pick<PauseRecord, 'reason' | 'since' | 'by'>): string {
  return `paused: ${p.reason} (since ${p.since.toISOString()}, by ${p.by})`;
}
