/**
 * What the application needs from each side. The adapters in src/adapters
 * satisfy these; tests and the reverse direction can swap them.
 */
import type { OrgUser, SecodaUser } from '../core/member.js';

export interface PageProgress {
  page: number;
  fetched: number;
  /** Total the API reported, when it reports one. */
  count?: number;
  /** Users whose roles were read one by one so far, of `rolesToRead` (org, ORG_ROLES_FROM). */
  rolesRead?: number;
  rolesToRead?: number;
}

export interface OrgPull {
  users: OrgUser[];
  invalid: { page: number; index: number; problem: string }[];
  reportedCount: number;
  pages: number;
  /** Set when roles were read user by user: requests made, and a sentence saying why. */
  roleReads?: { requests: number; note: string };
}

export interface SourcePort {
  listUsers(onPage?: (p: PageProgress) => void): Promise<OrgPull>;
}

export interface InviteInput {
  email: string;
  first_name: string;
  last_name: string;
  role: string;
}

/** What settled a write, for its record. */
export interface WriteReceipt {
  /** Status of the answer that settled it: 201, 200, 204 — or 404 for a delete of a user already gone, the 400/409 that said an invite existed. */
  httpStatus?: number;
  /** An invite settled by finding the user that an earlier, ambiguous attempt had created. */
  alreadyExisted?: true;
}

export interface TargetPort {
  listUsers(onPage?: (p: PageProgress) => void): Promise<SecodaUser[]>;
  invite(input: InviteInput): Promise<SecodaUser & WriteReceipt>;
  setRole(id: string, role: string): Promise<SecodaUser & WriteReceipt>;
  remove(id: string): Promise<WriteReceipt | void>;
}

/** Progress events for people watching a run (terminal bar or periodic log lines). */
export type ProgressEvent =
  | { phase: 'pull'; api: 'org' | 'secoda'; page: number; fetched: number; count?: number; rolesRead?: number; rolesToRead?: number }
  | { phase: 'apply'; done: number; total: number; failed: number };

export type ProgressSink = (event: ProgressEvent) => void;
