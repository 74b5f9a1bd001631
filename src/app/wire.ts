/**
 * Wiring: a validated config in, the adapters of both APIs out — each over
 * its own HTTP client with its own limits.
 */
import { createOrgAdapter } from '../adapters/org.js';
import { createSecodaAdapter } from '../adapters/secoda.js';
import { createSecodaGroupsAdapter } from '../adapters/secoda-groups.js';
import { createSecodaTarget } from '../adapters/secoda-target.js';
import type { SyncConfig } from '../config/load.js';
import { createHttpClient, type RateEvent, type ResponseEvent } from '../http/client.js';
import { AbortedError } from '../http/errors.js';
import type { Clock } from '../http/wait.js';
import type { Logger } from '../observe/logger.js';
import type { SourcePort, TargetPort } from './ports.js';

export interface WireOptions {
  logger: Logger;
  signal?: AbortSignal;
  onResponse?: (e: ResponseEvent) => void;
  /** A gate's learned rate changed (metrics). */
  onRate?: (e: RateEvent) => void;
  clock?: Clock;
}

export interface Wired {
  source: SourcePort;
  target: TargetPort;
  /** Whether an error is a request the HTTP layer cancelled (a hard stop): the run was interrupted, not failed. */
  cancelled: (err: unknown) => boolean;
  /** Ends both clients' sockets, once the run is over. */
  close(): void;
}

export function wireAdapters(config: SyncConfig, options: WireOptions): Wired {
  const common = {
    timeoutMs: config.httpTimeoutMs,
    concurrency: config.maxConcurrency,
    retryLimit: config.retryLimit,
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    ...(options.onRate ? { onRate: options.onRate } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const org = createHttpClient({
    ...common, api: 'org', baseUrl: config.org.url, token: config.org.token,
    readRate: config.org.rate, writeRate: config.org.rate, authHint: 'ORG_API_TOKEN',
  });
  const secoda = createHttpClient({
    ...common, api: 'secoda', baseUrl: config.secoda.url, token: config.secoda.apiKey,
    readRate: config.secoda.readRate, writeRate: config.secoda.writeRate, authHint: 'SECODA_API_KEY',
  });
  // Pages (once the first says how many) and per-user role reads go MAX_CONCURRENCY at a time, within each API's gates.
  return {
    source: createOrgAdapter(org, { rolesFrom: config.org.rolesFrom, concurrency: config.maxConcurrency }),
    target: createSecodaTarget(
      secoda,
      createSecodaAdapter(secoda, { concurrency: config.maxConcurrency }),
      createSecodaGroupsAdapter(secoda, { concurrency: config.maxConcurrency }),
    ),
    cancelled: (err) => err instanceof AbortedError,
    close: () => {
      org.close();
      secoda.close();
    },
  };
}
