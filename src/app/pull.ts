/**
 * Reading the source: every page, checked for completeness. A pull whose
 * unique users do not match the API's `count` — fewer (users moving between
 * pages while paginating) or more (users added while paging, or a `count`
 * that is only the page's item count) — is tried once more; still off,
 * deletes are held. The adapter pages until a short page whatever `count`
 * says, so a per-page `count` costs deletes, never users.
 */
import type { Logger } from '../observe/logger.js';
import type { PageProgress, SourcePort, SourcePull, SourceUser } from './ports.js';

export interface SourceRead {
  users: SourceUser[];
  /** Reasons to withhold every delete this run (incomplete or partly invalid source). */
  deleteHolds: string[];
  /** Records that failed validation: the run fails (exit 1) even if the rest applies. */
  invalid: SourcePull['invalid'];
  pulls: number;
  /** Pages of the pull whose users these are (the larger one after mergeReads). */
  pages: number;
  /** Roles read user by user over every pull of this read (requests summed), if any. */
  roleReads?: SourcePull['roleReads'];
  /** For the run's report: how the source was read, when that is worth saying. */
  notes: string[];
}

/** What a read logs with: its warnings (a pull tried again). */
export type ReadLog = Pick<Logger, 'warn'>;

export async function readSource(source: SourcePort, logger: ReadLog, onPage?: (p: PageProgress) => void): Promise<SourceRead> {
  let pull = await source.listUsers(onPage);
  let roleReads = pull.roleReads;
  let pulls = 1;
  let collected = uniqueCollected(pull);
  if (collected !== pull.reportedCount) {
    logger.warn(
      { reported: pull.reportedCount, collected },
      collected < pull.reportedCount
        ? 'source pull incomplete (users moved while paging?); pulling once more'
        : 'source pull has more users than the API reported (users added while paging, or `count` is per page?); pulling once more',
    );
    pull = await source.listUsers(onPage);
    roleReads = sumRoleReads(roleReads, pull.roleReads);
    pulls = 2;
    collected = uniqueCollected(pull);
  }
  const deleteHolds: string[] = [];
  if (collected !== pull.reportedCount) deleteHolds.push(mismatchHold(pull.reportedCount, collected));
  if (pull.invalid.length > 0) {
    const shown = pull.invalid.slice(0, 5).map((i) => `page ${i.page} item ${i.index}: ${i.problem}`).join('; ');
    const more = pull.invalid.length > 5 ? ` (and ${pull.invalid.length - 5} more)` : '';
    deleteHolds.push(`${pull.invalid.length} source record(s) failed validation — ${shown}${more}; no deletes this run`);
  }
  return {
    users: pull.users, deleteHolds, invalid: pull.invalid, pulls, pages: pull.pages,
    ...(roleReads ? { roleReads } : {}),
    notes: notesOf(roleReads),
  };
}

/**
 * Two reads of the source as one: every user either saw (an email seen twice
 * counts once, with its highest role), so only users absent from both are gone.
 */
export function mergeReads(a: SourceRead, b: SourceRead): SourceRead {
  const roleReads = sumRoleReads(a.roleReads, b.roleReads);
  return {
    users: [...a.users, ...b.users],
    deleteHolds: [...new Set([...a.deleteHolds, ...b.deleteHolds])],
    invalid: a.invalid.length > 0 ? a.invalid : b.invalid,
    pulls: a.pulls + b.pulls,
    pages: Math.max(a.pages, b.pages),
    ...(roleReads ? { roleReads } : {}),
    notes: notesOf(roleReads),
  };
}

/**
 * Whether a second read adds nothing to the first: the same records in the
 * same order, and no reason to hold deletes that the first lacks. Merged
 * with it, the first then plans exactly as it did alone (an email seen twice
 * counts once, with its highest role: here the same one), so its plan stands
 * — the common case of a confirming read (the org did not change between
 * the two), and a plan of 100,000 users is ~0.8 s not spent again.
 */
export function addsNothing(first: SourceRead, again: SourceRead): boolean {
  if (again.users.length !== first.users.length) return false;
  if (!again.deleteHolds.every((h) => first.deleteHolds.includes(h))) return false;
  for (let i = 0; i < first.users.length; i++) {
    const a = first.users[i]!;
    const b = again.users[i]!;
    if (a.id !== b.id || a.email !== b.email || a.name !== b.name || a.roles.length !== b.roles.length) return false;
    for (let r = 0; r < a.roles.length; r++) if (a.roles[r] !== b.roles[r]) return false;
  }
  return true;
}

function mismatchHold(reported: number, collected: number): string {
  const what = `source pull inconsistent twice: the org API reported ${reported} users but ${collected} unique users were collected`;
  const why =
    collected < reported
      ? 'users moved between pages while paging, or `count` is wrong'
      : "users were added while paging, or `count` is not the total (e.g. the page's item count) — an API whose `count` is per page cannot prove a read complete";
  return `${what}; ${why}; no deletes this run`;
}

function sumRoleReads(a: SourcePull['roleReads'], b: SourcePull['roleReads']): SourcePull['roleReads'] {
  if (!a || !b) return a ?? b;
  return { requests: a.requests + b.requests, note: b.note };
}

function notesOf(roleReads: SourcePull['roleReads']): string[] {
  if (!roleReads) return [];
  return [`${roleReads.note} — ${roleReads.requests} extra request${roleReads.requests === 1 ? '' : 's'}`];
}

/** Unique users the pull collected: by id, else by email; invalid records count (they are users too). */
function uniqueCollected(pull: SourcePull): number {
  const ids = new Set<string>();
  for (const u of pull.users) ids.add(u.id || `email:${u.email.trim().toLowerCase()}`);
  return ids.size + pull.invalid.length;
}
