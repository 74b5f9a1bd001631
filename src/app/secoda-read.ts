/**
 * Whether a run reads Secoda's whole user list or plans against the snapshot
 * the database keeps (issue 9: incremental runs). The snapshot is trusted
 * only while it is younger than SECODA_REFRESH and the run before this one
 * finished (succeeded or held): a failed, interrupted or abandoned run may
 * have sent writes whose outcome never reached the snapshot (a timeout, a
 * killed process), so the next run reads the list again. Between full reads,
 * a change made in Secoda by hand is invisible to planning — each write is
 * preceded by a read of that user's live record (./confirm.ts), and the next
 * full read, at most SECODA_REFRESH later, sees everything else.
 */
import type { Member } from '../core/member.js';
import type { RunRecord, SecodaReadRecord, Store, TargetSnapshotMember } from '../store/types.js';
import type { PageProgress, TargetPort } from './ports.js';

export interface SecodaReadDecision {
  mode: SecodaReadRecord['mode'];
  reason: string;
  /** When the snapshot planned against was read in full (null: not known yet — a full read sets it). */
  snapshotAt: Date | null;
  ageMs: number | null;
}

export interface SecodaReadInput {
  /** SECODA_REFRESH in ms; 0 = every run reads the list. */
  refreshMs: number;
  /** Read in full whatever the snapshot's age, and why (`reconcile --refresh`, `apply PLAN_FILE`). */
  refresh: boolean | string;
  /** The run before this one (the latest in the database), if any. */
  previous: RunRecord | null;
  now: Date;
}

/** Statuses after which every write of the run has a known outcome in the snapshot. */
const TRUSTED: readonly RunRecord['status'][] = ['succeeded', 'held'];

export function decideSecodaRead(input: SecodaReadInput): SecodaReadDecision {
  const { refreshMs, previous, now } = input;
  const full = (reason: string): SecodaReadDecision => ({ mode: 'full', reason, snapshotAt: null, ageMs: null });
  if (input.refresh) return full(typeof input.refresh === 'string' ? input.refresh : 'reconcile --refresh');
  if (refreshMs === 0) return full('SECODA_REFRESH is 0: the whole list every run');
  if (!previous) return full('first run: no snapshot yet');
  const at = previous.secodaRead?.snapshotAt ? new Date(previous.secodaRead.snapshotAt) : null;
  if (!at || Number.isNaN(at.getTime())) return full(`no snapshot recorded by the previous run (${previous.id})`);
  if (!TRUSTED.includes(previous.status)) {
    const what = previous.status === 'running' ? 'did not finish' : previous.status;
    return full(`the previous run (${previous.id}) ${what}: writes of unknown outcome may be missing from the snapshot`);
  }
  const ageMs = now.getTime() - at.getTime();
  if (ageMs < 0) return full(`the snapshot is dated in the future (${at.toISOString()}): clock change?`);
  if (ageMs >= refreshMs) return full(`the snapshot is ${formatAge(ageMs)} old, SECODA_REFRESH is ${formatAge(refreshMs)}`);
  return { mode: 'snapshot', reason: `the snapshot is ${formatAge(ageMs)} old, within SECODA_REFRESH ${formatAge(refreshMs)}`, snapshotAt: at, ageMs };
}

/** "45s", "12m 5s", "2h 3m": for reasons and reports. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
}

export interface TargetRead {
  current: Member[];
  /** The snapshot planned against, by id (snapshot mode only: the confirmer keeps it current). */
  records?: Map<string, TargetSnapshotMember>;
  record: SecodaReadRecord;
  /**
   * Starts writing a full read to the snapshot (nothing in snapshot mode);
   * resolves once the stored rows are compared with the list, the
   * differences then being written while the run plans. Rejects with the
   * store's error when the comparison fails.
   */
  startSave: () => Promise<void>;
  /**
   * Resolves once the save started is written (at once when none was);
   * rejects with the store's error. Await it before the first write.
   */
  snapshotSaved: () => Promise<void>;
}

/**
 * Secoda's members as decided: the whole list (which then replaces the
 * snapshot), or the snapshot. An empty snapshot is never planned against
 * (every member would look new): the list is read instead.
 */
export async function readTarget(
  target: TargetPort, store: Store, decision: SecodaReadDecision, onPage: (p: PageProgress) => void,
): Promise<TargetRead> {
  if (decision.mode === 'snapshot') {
    const rows = await store.listSecodaSnapshot();
    if (rows.length > 0) {
      return {
        current: target.membersOf(rows),
        records: new Map(rows.map((r) => [r.id, r])),
        record: recordOf(decision, decision.snapshotAt),
        startSave: () => Promise.resolve(),
        snapshotSaved: () => Promise.resolve(),
      };
    }
    decision = { mode: 'full', reason: 'the snapshot is empty', snapshotAt: null, ageMs: null };
  }
  const at = new Date();
  const current = await target.listMembers(onPage);
  let saving: Promise<void> | undefined;
  // The differences are written while the run plans (and reads the org again): the plan needs only the list
  // in memory, and a first run's 20,000 rows take a few hundred ms. The caller starts the write once it has
  // read what it plans with, and awaits it before its first write. The comparison is awaited here (see
  // syncSecodaSnapshot).
  let started: Promise<void> | undefined;
  const startSave = () =>
    (started ??= (async () => {
      let compared!: () => void;
      const comparing = new Promise<void>((resolve) => (compared = resolve));
      saving = store.replaceSecodaSnapshot(current, { onCompared: compared });
      // Observed at once: a failure is the run's error when awaited, never an unhandled rejection meanwhile.
      saving.catch(() => {});
      await Promise.race([comparing, saving]);
    })());
  return { current, record: recordOf({ ...decision, ageMs: 0 }, at), startSave, snapshotSaved: () => saving ?? Promise.resolve() };
}

function recordOf(d: SecodaReadDecision, at: Date | null): SecodaReadRecord {
  return {
    mode: d.mode, reason: d.reason, snapshotAt: at ? at.toISOString() : null,
    snapshotAgeSeconds: d.ageMs === null ? null : Math.round(d.ageMs / 1000),
    confirmed: 0, replanned: 0, gone: 0,
  };
}
