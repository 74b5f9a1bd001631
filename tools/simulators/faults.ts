/**
 * A FIFO queue of injected faults, shared by both simulators.
 *
 * A fault matches a request by method (case-insensitive) and path. A string
 * path matches the full pathname or the pathname relative to the simulator's
 * prefix (so `/organization/users` and `/v1/organization/users` both work on
 * the org simulator); a RegExp is tested against both forms as well.
 */

export type FaultKind =
  | 'status'
  | 'reset'
  | 'hang'
  | 'html'
  | 'truncated'
  | 'body'
  | 'lose-response';

export interface FaultSpec {
  kind: FaultKind;
  /** Only requests with this method (any case). Default: every method. */
  method?: string;
  /** Only requests to this path (see module doc). Default: every path. */
  path?: string | RegExp;
  /** How many matching requests this fault applies to. Default 1. */
  times?: number;
  /** 'status': the status to answer (required); 'body': default 200; 'html': default 200. */
  status?: number;
  /** 'status': value of a Retry-After header to send. */
  retryAfter?: string;
  /** 'status' / 'body': the raw body to send. */
  body?: string;
  /** 'body': content-type of the raw body (default application/json). */
  contentType?: string;
}

/** Faults answered instead of the real handler. */
const PRE_KINDS: ReadonlySet<FaultKind> = new Set(['status', 'reset', 'hang', 'html', 'body']);

/** True for faults that replace the real handler; false for those that wrap it. */
export function isPreHandlerFault(kind: FaultKind): boolean {
  return PRE_KINDS.has(kind);
}

interface QueuedFault {
  spec: FaultSpec;
  left: number;
}

const KINDS: ReadonlySet<string> = new Set([...PRE_KINDS, 'truncated', 'lose-response']);

export class FaultQueue {
  private queue: QueuedFault[] = [];

  add(spec: FaultSpec): void {
    if (!KINDS.has(spec.kind)) throw new Error(`unknown fault kind: ${String(spec.kind)}`);
    if (spec.kind === 'status' && typeof spec.status !== 'number') {
      throw new Error("fault kind 'status' needs a numeric `status`");
    }
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('fault `times` must be an integer >= 1');
    this.queue.push({ spec, left: times });
  }

  /** First queued fault matching the request, without consuming it. */
  peek(method: string, pathname: string, route: string): FaultSpec | undefined {
    return this.find(method, pathname, route)?.spec;
  }

  /** Consume one use of the given fault (as returned by peek). */
  consume(spec: FaultSpec): void {
    const i = this.queue.findIndex((q) => q.spec === spec);
    if (i < 0) return;
    const q = this.queue[i];
    q.left -= 1;
    if (q.left <= 0) this.queue.splice(i, 1);
  }

  /** Number of fault uses still queued. */
  pending(): number {
    return this.queue.reduce((n, q) => n + q.left, 0);
  }

  clear(): void {
    this.queue = [];
  }

  private find(method: string, pathname: string, route: string): QueuedFault | undefined {
    const m = method.toUpperCase();
    for (const q of this.queue) {
      const s = q.spec;
      if (s.method !== undefined && s.method.toUpperCase() !== m) continue;
      if (s.path !== undefined && !pathMatches(s.path, pathname, route)) continue;
      return q;
    }
    return undefined;
  }
}

function pathMatches(p: string | RegExp, pathname: string, route: string): boolean {
  if (typeof p === 'string') return p === pathname || p === route;
  p.lastIndex = 0;
  if (p.test(pathname)) return true;
  p.lastIndex = 0;
  return p.test(route);
}
