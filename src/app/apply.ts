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
  const stop = () => Boolean(deps.signal?.aborted) || result.authFailure !== undefined;

  for (let phase = 0; phase <= 3; phase++) {
    const queue = todo.filter((a) => phaseOf(a) === phase);
    let next = 0;
    const worker = async () => {
      while (next < queue.length && !stop()) {
        const action = queue[next++]!;
        const ok = await applyOne(action, deps, result);
        if (ok) result.succeeded++;
        else result.failed++;
        done++;
        deps.onProgress?.({ phase: 'apply', done, total: todo.length, failed: result.failed });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency, queue.length)) }, worker));
    if (stop()) break;
  }
  result.notDispatched = todo.length - done;
  result.interrupted = Boolean(deps.signal?.aborted) && result.notDispatched > 0;
  return result;
}

async function applyOne(action: StoredAction, deps: ApplyDeps, result: ApplyResult): Promise<boolean> {
  const { target, store, logger } = deps;
  const startedAt = new Date();
  try {
    let user: SecodaUser | undefined;
    if (action.type === 'delete') {
      await target.remove(requireId(action));
      await store.removeSecodaUser(requireId(action));
    } else if (action.type === 'update_role') {
      user = await target.setRole(requireId(action), action.to!);
      await store.upsertSecodaUser(user);
    } else {
      user = await target.invite({ email: action.email, ...splitName(action.name), role: action.to! });
      await store.upsertSecodaUser(user);
    }
    await store.updateAction(action.actionId, {
      status: 'succeeded',
      secodaId: user?.id ?? action.id ?? null,
      httpStatus: action.type === 'invite' ? 201 : action.type === 'delete' ? 204 : 200,
      startedAt,
      finishedAt: new Date(),
    });
    logger.debug({ action: action.type, email: action.email, from: action.from, to: action.to }, `${action.type} ${action.email} done`);
    return true;
  } catch (err) {
    const e = err as { message?: string; status?: number; attempts?: number; code?: string };
    if (e.code === 'E_AUTH') result.authFailure = e.message;
    await store.updateAction(action.actionId, {
      status: 'failed',
      httpStatus: e.status ?? null,
      error: e.message ?? String(err),
      attempts: e.attempts ?? 1,
      startedAt,
      finishedAt: new Date(),
    });
    logger.error({ action: action.type, email: action.email, code: e.code, status: e.status }, `${action.type} ${action.email} failed: ${e.message}`);
    return false;
  }
}

function requireId(action: PlanAction): string {
  if (!action.id) throw new Error(`no Secoda id known for ${action.email}`);
  return action.id;
}
