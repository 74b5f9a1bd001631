/**
 * What the application needs from each side, in domain terms. The adapters in
 * src/adapters satisfy these; tests and the reverse direction can swap them.
 * No API's wire record, status code or error code crosses this boundary: a
 * write answers a {@link WriteOutcome} whose failure `kind` the adapter derived.
 */
import type { TargetGroup } from '../core/groups.js';
import type { Member, SourceUser } from '../core/member.js';
import type { PlanAction } from '../core/plan.js';
import type { RoleVocabulary } from '../core/roles.js';
import type { TargetSnapshotMember } from '../store/types.js';

export type { SourceUser } from '../core/member.js';

export interface PageProgress {
  page: number;
  fetched: number;
  /** Total the API reported, when it reports one. */
  count?: number;
  /** Users whose roles were read one by one so far, of `rolesToRead` (org, ORG_ROLES_FROM). */
  rolesRead?: number;
  rolesToRead?: number;
}

/** A source record that failed validation: where it was, and a short problem (never the record). */
export interface InvalidRecord {
  page: number;
  /** 0-based index within the page. */
  index: number;
  problem: string;
}

/** One read of every page of the source. */
export interface SourcePull {
  /** Valid records, in page order (duplicates kept). */
  users: SourceUser[];
  invalid: InvalidRecord[];
  /** What the source said its total was (`count` of the first page). */
  reportedCount: number;
  pages: number;
  /** Set when roles were read user by user: requests made, and a sentence saying why. */
  roleReads?: { requests: number; note: string };
}

export interface SourcePort {
  listUsers(onPage?: (p: PageProgress) => void): Promise<SourcePull>;
}

/** What settled a successful write, for its record. */
export interface WriteReceipt {
  /** Status of the answer that settled it, as the adapter saw it (201, 200, 204, the 404 of a delete already done, the 409 that said an invite existed). */
  httpStatus?: number;
  /** An invite settled by finding the member that an earlier, ambiguous attempt had created. */
  alreadyExisted?: true;
  /** A delete of a member the target no longer had. */
  alreadyGone?: true;
  /** Group memberships this write set (a group's full list, or an invite's groups): group id -> member ids. */
  memberships?: { groupId: string; memberIds: string[] }[];
  /** An invite whose groups were not all known to the target (a creation that failed): not sent with those. */
  groupsNotSent?: string[];
}

/**
 * Why a write failed, as the application acts on it:
 * - `auth`: the credentials were refused; nothing more is worth sending.
 * - `refused`: this one change was refused (a write the key may not make on this member).
 * - `conflict`: the target's state contradicts the plan (an invite of someone already there).
 * - `not_found`: the member is not there.
 * - `transient`: no usable answer (timeout, network, rate limit, server error) once retries were spent.
 * - `bad_response`: the target answered with something it does not promise.
 * - `rejected`: any other refusal of the request as sent.
 * - `aborted`: cancelled by a shutdown.
 * - `internal`: not the target's answer at all (a bug on our side).
 */
export type WriteFailureKind =
  | 'auth'
  | 'refused'
  | 'conflict'
  | 'not_found'
  | 'transient'
  | 'bad_response'
  | 'rejected'
  | 'aborted'
  | 'internal';

export interface WriteFailure {
  ok: false;
  kind: WriteFailureKind;
  message: string;
  attempts: number;
  /** Status of the last answer, when there was one. */
  httpStatus?: number;
  /** What to check when every write is refused ("check SECODA_API_KEY"). */
  hint?: string;
}

export type WriteOutcome = { ok: true; member?: Member; receipt: WriteReceipt } | WriteFailure;

/** One live record: `record` null when the target no longer has the member; a failed read as a failure kind. */
export type ReadOutcome = { ok: true; record: TargetSnapshotMember | null } | WriteFailure;

export interface TargetPort {
  /** Names the target in messages ("secoda"). */
  readonly api: string;
  /** The target's roles (highest first), its admin role, and the roles outside the sync: what the plan speaks in. */
  readonly vocabulary: RoleVocabulary;
  /** Every member of the target; the adapter decides which are outside the sync (`exclusion`). */
  listMembers(onPage?: (p: PageProgress) => void): Promise<Member[]>;
  /**
   * One member's live record (a read, through the read gate), in the form the
   * snapshot keeps. Never throws: a failed read is an outcome.
   */
  readRecord(id: string): Promise<ReadOutcome>;
  /** The snapshot's records as members, exclusions decided exactly as for a full read. */
  membersOf(records: readonly TargetSnapshotMember[]): Member[];
  /** Carries out one planned action. Never throws: a failure is an outcome. */
  apply(action: PlanAction): Promise<WriteOutcome>;
  /**
   * GROUP_MAP: every group of the target, each with its members' ids. Absent:
   * the target has no groups (GROUP_MAP then fails the run before any write).
   */
  listGroups?(onPage?: (p: PageProgress) => void): Promise<TargetGroup[]>;
}

/** Progress events for people watching a run (terminal bar or periodic log lines). */
export type ProgressEvent =
  | { phase: 'pull'; api: 'org' | 'secoda'; page: number; fetched: number; count?: number; rolesRead?: number; rolesToRead?: number }
  | { phase: 'apply'; done: number; total: number; failed: number };

export type ProgressSink = (event: ProgressEvent) => void;
