/**
 * A pause made while a run is applying stops it like a shutdown: no new
 * write is dispatched, the writes in flight finish, and the run is recorded
 * `interrupted` "by a pause" with the pause's hold. Without this, `pause`
 * during a long apply (500 deletes at 30/min is 17 minutes) would only take
 * effect at the next run.
 */
import type { Logger } from '../observe/logger.js';
import { pauseText } from '../render/pause.js';
import type { PauseRecord, Store } from '../store/types.js';

/** How often a run that is applying looks for a pause (one indexed read). */
export const PAUSE_POLL_MS = 2_000;

export interface PauseWatch {
  /** Aborted by `outer` (with its reason) or by a pause ("a pause (paused: …)"). */
  signal: AbortSignal;
  /** The pause that stopped the run, if one did. */
  pause(): PauseRecord | null;
  stop(): void;
}

export function watchPause(store: Store, outer: AbortSignal | undefined, logger: Logger, everyMs = PAUSE_POLL_MS): PauseWatch {
  const controller = new AbortController();
  let found: PauseRecord | null = null;
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  outer?.addEventListener('abort', onOuter, { once: true });
  let checking = false;
  const timer = setInterval(() => {
    if (checking || controller.signal.aborted) return;
    checking = true;
    store.currentPause().then((p) => {
      if (p && !controller.signal.aborted) {
        found = p;
        logger.warn({ pause: pauseText(p) }, 'paused during the apply: no new write is dispatched');
        controller.abort(`a pause (${pauseText(p)})`);
      }
    }, (err: unknown) => {
      // The database is down: the run's own recording fails and says so; nothing to add here.
      logger.debug({ err: (err as Error).message }, 'could not check for a pause');
    }).finally(() => {
      checking = false;
    });
  }, everyMs);
  timer.unref();
  return {
    signal: controller.signal,
    pause: () => found,
    stop() {
      clearInterval(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}
