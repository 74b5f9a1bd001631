/**
 * Applying a plan: deletes, then downgrades, then upgrades, then invites —
 * each phase finishes before the next starts, so access is revoked before it
 * is granted. Every outcome is recorded, and the Secoda snapshot follows
 * every successful write.
 */
import { splitName } from '../core/normalise.js';
import type { PlanAction } from '../core/plan.js';
import type { SecodaUser } from '../core/member.js';
import type { Logger } from '../observe/logger.js';
import type { Store } from '../store/types.js';
import type { ProgressSink, TargetPort } from './ports.js';

export interface StoredAction extends PlanAction {
  actionId: number;
}

export interface ApplyDeps {
  target: TargetPort;
  store: Store;
  logger: Logger;
  /** Actions dispatched at once; the HTTP client's gate still paces them. */
  concurrency: number;
  /** Aborted: no new write is dispatched; writes in flight finish. */
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

export interface ApplyResult {
  succeeded: number;
  failed: number;
  /** Planned actions never dispatched because of an abort or an auth failure. */
  notDispatched: number;
  interrupted: boolean;
  /** Set when the target refused our credentials: further writes were pointless. */
  authFailure?: string;
}

function phaseOf(a: PlanAction): number {
  if (a.type === 'delete') return 0;
  if (a.type === 'update_role') return a.direction === 'down' ? 1 : 2;
  return 3;
}

export async function applyPlan(actions: readonly StoredAction[], deps: ApplyDeps): Promise<ApplyResult> {
  const todo = actions.filter((a) => a.status === 'planned');
  const result: ApplyResult = { succeeded: 0, failed: 0, notDispatched: 0, interrupted: false };
  let done = 0;
  /** A failure to record an outcome: nothing more is dispatched, and applyPlan throws it. */
  let storeFailure: { error: unknown } | undefined;
  const stop = () => Boolean(deps.signal?.aborted) || result.authFailure !== undefined || storeFailure !== undefined;

  for (let phase = 0; phase <= 3; phase++) {
    const queue = todo.filter((a) => phaseOf(a) === phase);
    let next = 0;
    const worker = async () => {
      // Recording an outcome (snapshot + action row) overlaps this worker's next
      // request instead of delaying it: it starts once the next request is on
      // its way (setImmediate), at most one record per worker is in flight,
      // and a phase ends only once all of its records are written.
      let recording: Promise<void> = Promise.resolve();
      while (next < queue.length && !stop()) {
        const action = queue[next++]!;
        const outcome = await sendOne(action, deps, result);
        await recording;
        recording = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => recordOne(action, outcome, deps))
          .catch((error: unknown) => {
            storeFailure ??= { error };
          });
        if (outcome.ok) result.succeeded++;
        else result.failed++;
        done++;
        deps.onProgress?.({ phase: 'apply', done, total: todo.length, failed: result.failed });
      }
      await recording;
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency, queue.length)) }, worker));
    if (storeFailure) throw storeFailure.error;
    if (stop()) break;
  }
  result.notDispatched = todo.length - done;
  result.interrupted = Boolean(deps.signal?.aborted) && result.notDispatched > 0;
  return result;
}

type Outcome =
  | { ok: true; user?: SecodaUser; startedAt: Date; finishedAt: Date }
  | { ok: false; status: number | null; error: string; attempts: number; startedAt: Date; finishedAt: Date };

/** The write itself, against the target. Never throws: a failure is an outcome. */
async function sendOne(action: StoredAction, deps: ApplyDeps, result: ApplyResult): Promise<Outcome> {
  const { target, logger } = deps;
  const startedAt = new Date();
  try {
    let user: SecodaUser | undefined;
    if (action.type === 'delete') {
      await target.remove(requireId(action));
    } else if (action.type === 'update_role') {
      user = await target.setRole(requireId(action), action.to!);
    } else {
      user = await target.invite({ email: action.email, ...splitName(action.name), role: action.to! });
    }
    logger.debug({ action: action.type, email: action.email, from: action.from, to: action.to }, `${action.type} ${action.email} done`);
    return { ok: true, ...(user ? { user } : {}), startedAt, finishedAt: new Date() };
  } catch (err) {
    const e = err as { message?: string; status?: number; attempts?: number; code?: string };
    if (e.code === 'E_AUTH') result.authFailure = e.message;
    logger.error({ action: action.type, email: action.email, code: e.code, status: e.status }, `${action.type} ${action.email} failed: ${e.message}`);
    return { ok: false, status: e.status ?? null, error: e.message ?? String(err), attempts: e.attempts ?? 1, startedAt, finishedAt: new Date() };
  }
}

/** The outcome into the database: the snapshot follows a successful write, then the action row. */
async function recordOne(action: StoredAction, outcome: Outcome, deps: ApplyDeps): Promise<void> {
  const { store } = deps;
  if (!outcome.ok) {
    await store.updateAction(action.actionId, {
      status: 'failed',
      httpStatus: outcome.status,
      error: outcome.error,
      attempts: outcome.attempts,
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
    });
    return;
  }
  if (action.type === 'delete') await store.removeSecodaUser(requireId(action));
  else await store.upsertSecodaUser(outcome.user!);
  await store.updateAction(action.actionId, {
    status: 'succeeded',
    secodaId: outcome.user?.id ?? action.id ?? null,
    httpStatus: action.type === 'invite' ? 201 : action.type === 'delete' ? 204 : 200,
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
  });
}

function requireId(action: PlanAction): string {
  if (!action.id) throw new Error(`no Secoda id known for ${action.email}`);
  return action.id;
}
