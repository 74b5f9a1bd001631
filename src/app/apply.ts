/**
 * Applying a plan: deletes, then downgrades, then upgrades, then invites —
 * each phase finishes before the next starts, so access is revoked before it
 * is granted. Every outcome is recorded with the HTTP status that settled it,
 * and the Secoda snapshot follows every successful write — in batches
 * (./outcome-recorder.ts), all of a phase's before the next phase starts.
 *
 * Refusals: an `auth` failure (the target refused the key) means nothing
 * more is sent. A `refused` write is that user's business (Secoda refusing
 * to delete the workspace owner, say): the action fails with the API's
 * reason and the run goes on — unless KEY_REFUSAL_STREAK writes in a row, on
 * different users, are refused: then it is the key after all.
 */
import { statusLine } from '../http/errors.js';
import type { Member } from '../core/member.js';
import type { PlanAction } from '../core/plan.js';
import type { Logger } from '../observe/logger.js';
import type { ActionOutcome, OutcomeRecord, Store } from '../store/types.js';
import { createOutcomeRecorder } from './outcome-recorder.js';
import type { Confirmer } from './confirm.js';
import type { ProgressSink, TargetPort, WriteFailure, WriteReceipt } from './ports.js';

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
  /** Set when the plan came from the snapshot: each write on an existing user is confirmed against its live record first. */
  confirm?: Confirmer;
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

/** Write 403s in a row (completion order, different users) taken to mean the key, not the users. */
export const KEY_REFUSAL_STREAK = 3;

/**
 * Recording an outcome failed: nothing more was dispatched. `dispatched`
 * writes had been sent by then (so the run did write); the actions whose
 * outcome is missing were marked `unknown` where the store still allowed it.
 */
export class ApplyStoreError extends Error {
  override name = 'ApplyStoreError';
  constructor(
    message: string,
    readonly dispatched: number,
  ) {
    super(message);
  }
}

/** Revokes before grants; group writes before invites, whose groups may be created by them. */
function phaseOf(a: PlanAction): number {
  if (a.type === 'delete') return 0;
  if (a.type === 'update_role') return a.direction === 'down' ? 1 : 2;
  if (a.type === 'update_name') return 2;
  if (a.type === 'group') return 3;
  return 4;
}
const LAST_PHASE = 4;

/** Outcomes written in one batch at most (one JSON parameter of a few hundred KB). */
const MAX_OUTCOMES_PER_BATCH = 500;
/**
 * Longest an outcome waits for others to join its batch. Measured at 5 ms of
 * latency and 8 writes in flight: without a wait, batches held the ~8
 * outcomes that arrived during the previous write, at ~2 ms of PGlite per
 * outcome; 20 ms gathers ~30-40.
 */
const OUTCOME_BATCH_DELAY_MS = 50;

interface Recorded {
  action: StoredAction;
  outcome: Outcome;
  record: OutcomeRecord;
}

export async function applyPlan(actions: readonly StoredAction[], deps: ApplyDeps): Promise<ApplyResult> {
  const todo = actions.filter((a) => a.status === 'planned');
  const result: ApplyResult = { succeeded: 0, failed: 0, notDispatched: 0, interrupted: false };
  let dispatched = 0;
  let done = 0;
  /** A failure to record an outcome: nothing more is dispatched, and applyPlan throws it. */
  let storeFailure: { error: unknown; action: StoredAction; batch: number } | undefined;
  /** Emails of the write 403s since the last other outcome. */
  const refusedInARow = new Set<string>();
  const stop = () => Boolean(deps.signal?.aborted) || result.authFailure !== undefined || storeFailure !== undefined;
  // Outcomes are recorded in batches (./outcome-recorder.ts), overlapping the requests that follow them;
  // each phase ends only once all of its outcomes are written.
  const recorder = createOutcomeRecorder<Recorded>({
    maxBatch: MAX_OUTCOMES_PER_BATCH,
    maxDelayMs: OUTCOME_BATCH_DELAY_MS,
    write: (batch) => deps.store.recordOutcomes(batch.map((r) => r.record)),
    onFailure: async (batch, error) => {
      storeFailure ??= { error, action: batch[0]!.action, batch: batch.length };
      await markUnrecorded(batch, error, deps);
    },
  });

  for (let phase = 0; phase <= LAST_PHASE; phase++) {
    const queue = todo.filter((a) => phaseOf(a) === phase);
    let next = 0;
    const worker = async () => {
      while (next < queue.length && !stop()) {
        const planned = queue[next++]!;
        dispatched++;
        const attempt = await confirmed(planned, deps, result).catch((error: unknown) => {
          storeFailure ??= { error, action: planned, batch: 1 };
          return null;
        });
        if (attempt === null) break;
        if (attempt === 'skip') {
          dispatched--;
          done++;
          deps.onProgress?.({ phase: 'apply', done, total: todo.length, failed: result.failed });
          continue;
        }
        const { action } = attempt;
        const outcome = attempt.outcome ?? (await sendOne(action, deps, result));
        if (!outcome.ok && outcome.kind === 'refused') {
          refusedInARow.add(action.email.trim().toLowerCase());
          if (refusedInARow.size >= KEY_REFUSAL_STREAK) result.authFailure ??= keyRefused(refusedInARow.size, outcome, deps.target.api);
        } else refusedInARow.clear();
        // The in-memory snapshot of an incremental run follows at once (later re-plans see it).
        deps.confirm?.recorded(action, outcome);
        try {
          recorder.add({ action, outcome, record: recordOf(action, outcome) });
        } catch (error) {
          storeFailure ??= { error, action, batch: 1 };
          await markUnrecorded([{ action, outcome }], error, deps);
        }
        if (outcome.ok) result.succeeded++;
        else result.failed++;
        done++;
        deps.onProgress?.({ phase: 'apply', done, total: todo.length, failed: result.failed });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency, queue.length)) }, worker));
    } finally {
      // Even should a worker throw: what was sent is recorded before applyPlan returns or throws.
      await recorder.drain();
    }
    if (storeFailure) {
      const { error, action, batch } = storeFailure;
      const others = batch > 1 ? ` (and ${batch - 1} other outcome(s) written with it)` : '';
      throw new ApplyStoreError(
        `could not record the outcome of ${action.type} ${action.email}${others}, sent to Secoda: ${messageOf(error)}; ` +
          `no further write was started (${dispatched} sent in this run)`,
        dispatched,
      );
    }
    if (stop()) break;
  }
  result.notDispatched = todo.length - done;
  result.interrupted = Boolean(deps.signal?.aborted) && result.notDispatched > 0;
  return result;
}

function keyRefused(n: number, last: WriteFailure, api: string): string {
  const answered = last.httpStatus !== undefined ? statusLine(last.httpStatus) : 'refused';
  return `${api} API refused ${n} writes in a row, each on a different user (${answered}): ` +
    `taken as the key lacking write access, not those users — ${last.hint ?? `check the ${api} API key`}`;
}

type Timed = { startedAt: Date; finishedAt: Date };
type Outcome =
  | ({ ok: true; member?: Member; httpStatus: number | null; remark?: string; memberships?: WriteReceipt['memberships'] } & Timed)
  | (WriteFailure & Timed);

/**
 * The action to send after confirming it against the live record (incremental
 * runs only): 'skip' when there is nothing to send (recorded by the confirmer),
 * or a failure outcome when the live record could not be read. Throws only
 * when the store does.
 */
async function confirmed(planned: StoredAction, deps: ApplyDeps, result: ApplyResult): Promise<'skip' | { action: StoredAction; outcome?: Outcome }> {
  if (!deps.confirm) return { action: planned };
  const startedAt = new Date();
  const c = await deps.confirm.confirm(planned);
  if ('skip' in c) return 'skip';
  if ('send' in c) return { action: c.send };
  if (c.fail.kind === 'auth') result.authFailure ??= c.fail.message;
  deps.logger.error({ action: planned.type, email: planned.email, kind: c.fail.kind }, c.fail.message);
  return { action: planned, outcome: { ...c.fail, startedAt, finishedAt: new Date() } };
}

/** The write itself, against the target. Never throws: a failure is an outcome. */
async function sendOne(action: StoredAction, deps: ApplyDeps, result: ApplyResult): Promise<Outcome> {
  const { logger } = deps;
  const startedAt = new Date();
  const outcome = await deps.target.apply(action).catch((err: unknown): WriteFailure => ({
    ok: false, kind: 'internal', message: messageOf(err), attempts: 1,
  }));
  const finishedAt = new Date();
  if (!outcome.ok) {
    if (outcome.kind === 'auth') result.authFailure ??= outcome.message;
    logger.error({ action: action.type, email: action.email, kind: outcome.kind, status: outcome.httpStatus }, `${action.type} ${action.email} failed: ${outcome.message}`);
    return { ...outcome, startedAt, finishedAt };
  }
  const { receipt } = outcome;
  const httpStatus = receipt.httpStatus ?? null;
  const remark = receipt.alreadyGone
    ? `already gone (${httpStatus ? statusLine(httpStatus) : 'not found'})`
    : receipt.alreadyExisted
      ? `already existed (${httpStatus ? statusLine(httpStatus) : 'exists'}): an earlier attempt had created it`
      : receipt.groupsNotSent
        ? `invited without group(s) ${receipt.groupsNotSent.join(', ')} (not in Secoda: their creation failed); the next run adds them`
        : undefined;
  logger.debug({ action: action.type, email: action.email, from: action.from, to: action.to, httpStatus }, `${action.type} ${action.email} done`);
  return {
    ok: true, ...(outcome.member ? { member: outcome.member } : {}), httpStatus, ...(remark ? { remark } : {}),
    ...(receipt.memberships ? { memberships: receipt.memberships } : {}), startedAt, finishedAt,
  };
}

/** An outcome as the database takes it: what the snapshot learns (a successful write), the memberships sent, the action row. */
function recordOf(action: StoredAction, outcome: Outcome): OutcomeRecord {
  if (!outcome.ok) {
    return {
      actionId: action.actionId,
      // Secoda no longer has the user: the snapshot follows (the next plan must not act on it).
      ...(outcome.kind === 'not_found' && action.id ? { snapshot: { remove: action.id } } : {}),
      outcome: {
        status: 'failed',
        httpStatus: outcome.httpStatus ?? null,
        error: outcome.message,
        attempts: outcome.attempts,
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
      },
    };
  }
  const snapshot = action.type === 'delete' ? { remove: requireId(action) } : outcome.member ? { upsert: outcome.member } : undefined;
  const memberships = pendingMemberships(action, outcome);
  return {
    actionId: action.actionId,
    ...(snapshot ? { snapshot } : {}),
    ...(memberships.length > 0 ? { memberships } : {}),
    outcome: {
      status: 'succeeded',
      secodaId: outcome.member?.id ?? action.id ?? outcome.memberships?.[0]?.groupId ?? null,
      httpStatus: outcome.httpStatus,
      ...(outcome.remark ? { error: outcome.remark } : {}),
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
    },
  };
}

/**
 * Secoda may list a pending member in a group only once they sign in: what
 * was sent to pending members is remembered, so the next run does not send it
 * again (src/core/groups.ts, withSentMemberships). A group write replaces its
 * group's memory; an invite into groups adds to it.
 */
function pendingMemberships(action: StoredAction, outcome: Extract<Outcome, { ok: true }>): NonNullable<OutcomeRecord['memberships']>[number][] {
  const out: NonNullable<OutcomeRecord['memberships']>[number][] = [];
  for (const m of outcome.memberships ?? []) {
    if (action.group) {
      const pending = new Set(action.group.pendingIds);
      out.push({ groupId: m.groupId, memberIds: m.memberIds.filter((id) => pending.has(id)), replace: true });
    } else if (outcome.member?.pending) {
      out.push({ groupId: m.groupId, memberIds: m.memberIds, replace: false });
    }
  }
  return out;
}

/**
 * Recording failed: one more, best-effort try to say so on the action rows,
 * with what is known — so none reads `planned` (never sent) when it was sent.
 * All at once first; should that fail too, one by one (a row the batch
 * could not take must not keep the others from being marked).
 */
async function markUnrecorded(batch: readonly { action: StoredAction; outcome: Outcome }[], error: unknown, deps: ApplyDeps): Promise<void> {
  const rows = batch.map(({ action, outcome }) => {
    const answered = outcome.ok ? `Secoda answered ${outcome.httpStatus ? statusLine(outcome.httpStatus) : 'with success'}` : outcome.message;
    const row: ActionOutcome = {
      status: 'unknown',
      httpStatus: outcome.ok ? outcome.httpStatus : (outcome.httpStatus ?? null),
      error: `sent; outcome not recorded: ${messageOf(error)} (${answered})`,
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
    };
    return { action, answered, row };
  });
  try {
    await deps.store.recordOutcomes(rows.map(({ action, row }) => ({ actionId: action.actionId, outcome: row })));
    return;
  } catch {
    // one by one below
  }
  for (const { action, answered, row } of rows) {
    try {
      await deps.store.updateAction(action.actionId, row);
    } catch (again) {
      deps.logger.error({ action: action.type, email: action.email, error: messageOf(again) }, `${action.type} ${action.email}: sent, but not recorded (${answered})`);
    }
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function requireId(action: PlanAction): string {
  if (!action.id) throw new Error(`no Secoda id known for ${action.email}`);
  return action.id;
}
