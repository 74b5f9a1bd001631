/**
 * Confirming a write planned from the snapshot (an incremental run, see
 * ./secoda-read.ts). Just before a re-role or delete is sent, the user's live
 * record is read (GET, through the read gate): the write goes out only if
 * that record is what the plan saw. Otherwise the snapshot takes the live
 * record and the whole plan is computed again by the pure core — every rail
 * (last admin, mass-delete and demotion caps, protected users, key owner)
 * sees the live state — and this user's action is whatever that re-plan says:
 * - another write on the same user: sent in place of the first (recorded as a
 *   new action; the first is `superseded`);
 * - nothing, a hold, or an invite (the user is gone): nothing is sent now;
 *   the next run plans from the updated snapshot.
 * A 404 means the user is gone: the snapshot drops it; a planned delete is
 * then already done. Demoting or deleting an admin also reads the snapshot's
 * other active admins: the last-admin guard let this one go because of them,
 * and one demoted by hand would otherwise leave the workspace without an
 * admin. Group writes are not confirmed either (their id is a group's; the
 * groups are read in full every run). Invites are not confirmed (no id to read): an email that
 * exists by now is answered "already exists", which fails that invite and so
 * the run, and the next run reads the whole list.
 */
import { memberKey, type Member } from '../core/member.js';
import type { Plan, PlanAction } from '../core/plan.js';
import { holdText } from '../render/holds.js';
import type { Logger } from '../observe/logger.js';
import { StoreError } from '../store/errors.js';
import type { Store, TargetSnapshotMember } from '../store/types.js';
import type { StoredAction } from './apply.js';
import type { TargetPort, WriteFailure } from './ports.js';

export type Confirmation =
  /** Send this action (the planned one, or the re-plan's replacement). */
  | { send: StoredAction }
  /** Nothing to send: the planned action's record already says why. */
  | { skip: true }
  /** The live record could not be read: the action fails with this. */
  | { fail: WriteFailure };

export interface Confirmer {
  confirm(action: StoredAction): Promise<Confirmation>;
  /** After a write's outcome is recorded: the in-memory snapshot follows it (later re-plans see it). */
  recorded(action: StoredAction, outcome: { ok: true; member?: Member } | { ok: false; kind: string }): void;
  counts(): { confirmed: number; replanned: number; gone: number };
}

export interface ConfirmerDeps {
  target: TargetPort;
  store: Store;
  runId: number;
  /** The snapshot the plan was made from, by id: updated as live records and write results come in. */
  records: Map<string, TargetSnapshotMember>;
  /** The run's plan computed again against other current members (same desired members, same options). */
  replan: (current: Member[]) => Plan;
  /** The target's admin role: revoking it is confirmed against the other admins too (the last-admin guard counts on them). */
  adminRole: string;
  /** seq of the first action added by a re-plan (after the run's planned actions). */
  nextSeq: number;
  logger: Logger;
}

export function createConfirmer(deps: ConfirmerDeps): Confirmer {
  const { target, store, records, logger } = deps;
  const counts = { confirmed: 0, replanned: 0, gone: 0 };
  let nextSeq = deps.nextSeq;
  // What the plan was made on. A live read updates `records`, but an action is confirmed against the record it was
  // planned from: a user read earlier in the run (as another admin) must not make its own stale action look current.
  const plannedOn = new Map(records);

  // Admin revokes are confirmed one at a time, each counting the admins the ones before it are taking away:
  // two confirmed at once could each see the other still there and leave the workspace without an admin.
  let adminTurn: Promise<unknown> = Promise.resolve();
  const revoking = new Set<string>();

  async function confirm(action: StoredAction): Promise<Confirmation> {
    try {
      const c = await confirmOne(action);
      if (!('send' in c) || c.send.type === 'invite') return c;
      // What is sent is known only now (a re-plan may turn a viewer's delete into an admin's): guard it, one at a time.
      const turn = adminTurn.then(() => keepAnAdmin(c));
      adminTurn = turn.catch(() => {});
      return await turn;
    } catch (err) {
      // The store failing is not the read failing: apply stops on it.
      if (err instanceof StoreError) throw err;
      return { fail: readFailure(err, action) };
    }
  }

  /** The last-admin guard on live data, for what is about to be sent: some other active admin must stay. */
  async function keepAnAdmin(c: Confirmation): Promise<Confirmation> {
    if (!('send' in c)) return c;
    const a = c.send;
    const id = a.id!;
    const isActiveAdmin = (r: TargetSnapshotMember | undefined) => r !== undefined && r.role === deps.adminRole && !r.pending && !r.disabled && !r.serviceAccount;
    const revokes = a.type === 'delete' || (a.type === 'update_role' && a.to !== deps.adminRole);
    if (!revokes || !isActiveAdmin(records.get(id))) return c;
    await checkOtherAdmins(id);
    const others = [...records.values()].filter((r) => r.id !== id && !revoking.has(r.id) && isActiveAdmin(r));
    if (others.length === 0) {
      await supersede(a, 'last-admin guard on the live records: the other active admins are gone, changed, or being removed by this run; left to the next run');
      return { skip: true };
    }
    revoking.add(id);
    return c;
  }

  async function confirmOne(action: StoredAction): Promise<Confirmation> {
    // A group write's id is the group's, not a user's: the group list is read in full every run, and its write carries
    // the whole member list, so there is no user record to confirm it against.
    if (action.type === 'invite' || action.type === 'group' || !action.id) return { send: action };
    const id = action.id;
    let why: string;
    const own = await check(id);
    if (own === 'gone' && action.type === 'delete') {
      await store.updateAction(action.actionId, {
        status: 'succeeded', httpStatus: 404, error: 'already gone: Secoda had no such user (404 Not Found) when confirming, nothing sent',
        startedAt: new Date(), finishedAt: new Date(),
      });
      return { skip: true };
    }
    if (own === 'gone') why = 'Secoda no longer has this user (404 Not Found)';
    else if (own.length > 0) why = `live record differs from the snapshot (${own.join('; ')})`;
    else {
      // The last-admin guard let this admin go because others stay: make sure they still do.
      const others = revokesAdmin(action) ? await checkOtherAdmins(id) : [];
      if (others.length === 0) return { send: action };
      why = `other admins changed since the snapshot (${others.join('; ')})`;
    }
    const plan = deps.replan(target.membersOf([...records.values()]));
    const next = plan.actions.find((a) => a.id === id) ?? plan.actions.find((a) => a.key === memberKey(action.email) && a.type === 'invite');
    logger.info({ email: action.email, id, why, now: next ? `${next.type} ${next.status}` : 'nothing' }, `${action.type} ${action.email}: re-planned from the live record`);
    if (next && next.status === 'planned' && next.type !== 'invite' && next.id === id) {
      // The same write on live data: sent as planned.
      if (next.type === action.type && next.from === action.from && next.to === action.to) return { send: action };
      const [actionId] = await store.addActions(deps.runId, [{
        seq: nextSeq++, type: next.type, email: next.email, name: next.name || null, secodaId: id,
        fromRole: next.from ?? null, toRole: next.to ?? null, status: 'planned',
      }]);
      await supersede(action, `${why}: re-planned as ${describe(next)}`);
      return { send: { ...next, actionId: actionId! } };
    }
    const instead = !next
      ? 'nothing to do for this user'
      : next.status === 'withheld'
        ? `${describe(next)} would be withheld by a safety rail (${holdOf(plan, next) ?? 'see the next run'}); left to the next run`
        : `${describe(next)} is left to the next run, which plans from the updated snapshot`;
    await supersede(action, `${why}: re-planned — ${instead}`);
    return { skip: true };
  }

  /** Reads one user live; the snapshot takes what it finds. Returns what differed ([] = nothing), or 'gone'. */
  async function check(id: string): Promise<string[] | 'gone'> {
    const read = await target.readRecord(id);
    if (!read.ok) throw new LiveReadFailed(read);
    const live = read.record;
    counts.confirmed++;
    const known = plannedOn.get(id) ?? records.get(id);
    if (!live) {
      counts.gone++;
      records.delete(id);
      await store.removeSecodaUser(id);
      return 'gone';
    }
    const diff = known ? differences(known, live) : ['not in the snapshot'];
    if (diff.length > 0) counts.replanned++;
    if (diff.length > 0 || known?.name !== live.name) await keep(live);
    return diff;
  }

  function revokesAdmin(action: PlanAction): boolean {
    return action.from === deps.adminRole && (action.type === 'delete' || action.to !== deps.adminRole);
  }

  /** The other active admins of the snapshot, read live: what changed, by email. */
  async function checkOtherAdmins(id: string): Promise<string[]> {
    const admins = [...records.values()].filter((r) => r.id !== id && r.role === deps.adminRole && !r.pending && !r.disabled && !r.serviceAccount);
    const changed: string[] = [];
    for (const r of admins) {
      const d = await check(r.id);
      if (d === 'gone' || d.length > 0) changed.push(`${r.email}: ${d === 'gone' ? 'gone' : d.join(', ')}`);
    }
    return changed;
  }

  async function keep(live: TargetSnapshotMember): Promise<void> {
    records.set(live.id, live);
    await store.upsertSecodaUser(target.membersOf([live])[0]!);
  }

  async function supersede(action: StoredAction, error: string): Promise<void> {
    await store.updateAction(action.actionId, { status: 'superseded', error, startedAt: new Date(), finishedAt: new Date() });
  }

  function recorded(action: StoredAction, outcome: { ok: true; member?: Member } | { ok: false; kind: string }): void {
    if (outcome.ok) {
      if (action.type === 'delete' && action.id) records.delete(action.id);
      else if (outcome.member?.id) records.set(outcome.member.id, recordOf(outcome.member));
    } else if (outcome.kind === 'not_found' && action.id) records.delete(action.id);
  }

  return { confirm, recorded, counts: () => ({ ...counts }) };
}

/** What planning looks at, compared; the display name is not acted on (kept, not compared). */
function differences(known: TargetSnapshotMember, live: TargetSnapshotMember | null): string[] {
  if (!live) return ['gone'];
  const out: string[] = [];
  if (memberKey(known.email) !== memberKey(live.email)) out.push(`email ${live.email || '(none)'}, snapshot ${known.email || '(none)'}`);
  if (known.role !== live.role) out.push(`role ${live.role || '(none)'}, snapshot ${known.role || '(none)'}`);
  if (known.pending !== live.pending) out.push(live.pending ? 'pending again' : 'invitation accepted');
  if (known.disabled !== live.disabled) out.push(live.disabled ? 'disabled' : 'enabled again');
  if (known.serviceAccount !== live.serviceAccount) out.push(live.serviceAccount ? 'now a service account' : 'no longer a service account');
  return out;
}

/** The worded hold that withholds this action: its own (last admin), else the one on its kind of action. */
function holdOf(plan: Plan, a: PlanAction): string | undefined {
  const revokes = a.type === 'delete' ? 'delete' : 'demotion';
  const hold =
    plan.holds.find((h) => h.kind === 'last_admin' && memberKey(h.email) === a.key) ??
    plan.holds.find((h) => (revokes === 'delete' ? h.kind !== 'last_admin' && h.kind !== 'mass_demotion' : h.kind === 'mass_demotion'));
  return hold ? holdText(hold) : undefined;
}

function describe(a: PlanAction): string {
  if (a.type === 'update_role') return `re-role ${a.from ?? '?'} -> ${a.to ?? '?'}`;
  if (a.type === 'delete') return 'delete';
  return `invite as ${a.to ?? '?'}`;
}

function recordOf(m: Member): TargetSnapshotMember {
  return {
    id: m.id!, email: m.email, name: m.name, role: m.role ?? '', pending: m.pending ?? false,
    serviceAccount: m.serviceAccount ?? false, disabled: m.disabled ?? false,
  };
}

/** A live read the target answered with a failure (its kind decided by the adapter). */
class LiveReadFailed extends Error {
  constructor(readonly failure: WriteFailure) {
    super(failure.message);
  }
}

/** A failed confirmation read, as the write's failure: nothing was sent. Anything but the read failing is a bug: `internal`. */
function readFailure(err: unknown, action: PlanAction): WriteFailure {
  const failure: WriteFailure = err instanceof LiveReadFailed
    ? err.failure
    : { ok: false, kind: 'internal', attempts: 1, message: err instanceof Error ? err.message : String(err) };
  return { ...failure, message: `could not confirm ${action.email}'s live record before the ${action.type}, nothing sent: ${failure.message}` };
}
