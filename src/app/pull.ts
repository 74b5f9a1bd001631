/**
 * Reading the source: every page, checked for completeness. A pull that
 * collects fewer unique users than the API's `count` (users moving between
 * pages while paginating) is tried once more; still short, deletes are held.
 */
import type { OrgUser } from '../core/member.js';
import type { Logger } from '../observe/logger.js';
import type { OrgPull, PageProgress, SourcePort } from './ports.js';

export interface SourceRead {
  users: OrgUser[];
  /** Reasons to withhold every delete this run (incomplete or partly invalid source). */
  deleteHolds: string[];
  /** Records that failed validation: the run fails (exit 1) even if the rest applies. */
  invalid: OrgPull['invalid'];
  pulls: number;
  /** Pages of the pull whose users these are (the larger one after mergeReads). */
  pages: number;
}

export async function readSource(source: SourcePort, logger: Logger, onPage?: (p: PageProgress) => void): Promise<SourceRead> {
  let pull = await source.listUsers(onPage);
  let pulls = 1;
  let shortBy = missing(pull);
  if (shortBy > 0) {
    logger.warn({ reported: pull.reportedCount, collected: pull.reportedCount - shortBy }, 'source pull incomplete (users moved while paging?); pulling once more');
    pull = await source.listUsers(onPage);
    pulls = 2;
    shortBy = missing(pull);
  }
  const deleteHolds: string[] = [];
  if (shortBy > 0) {
    deleteHolds.push(
      `source pull inconsistent twice: the org API reported ${pull.reportedCount} users but ${pull.reportedCount - shortBy} unique users were collected; no deletes this run`,
    );
  }
  if (pull.invalid.length > 0) {
    const shown = pull.invalid.slice(0, 5).map((i) => `page ${i.page} item ${i.index}: ${i.problem}`).join('; ');
    const more = pull.invalid.length > 5 ? ` (and ${pull.invalid.length - 5} more)` : '';
    deleteHolds.push(`${pull.invalid.length} source record(s) failed validation — ${shown}${more}; no deletes this run`);
  }
  return { users: pull.users, deleteHolds, invalid: pull.invalid, pulls, pages: pull.pages };
}

/**
 * Two reads of the source as one: every user either saw (an email seen twice
 * counts once, with its highest role), so only users absent from both are gone.
 */
export function mergeReads(a: SourceRead, b: SourceRead): SourceRead {
  return {
    users: [...a.users, ...b.users],
    deleteHolds: [...new Set([...a.deleteHolds, ...b.deleteHolds])],
    invalid: a.invalid.length > 0 ? a.invalid : b.invalid,
    pulls: a.pulls + b.pulls,
    pages: Math.max(a.pages, b.pages),
  };
}

/** How many users the pull is short of the reported count (0 when complete). */
function missing(pull: OrgPull): number {
  const ids = new Set<string>();
  for (const u of pull.users) ids.add(u.id || `email:${u.email.trim().toLowerCase()}`);
  const collected = ids.size + pull.invalid.length;
  return Math.max(0, pull.reportedCount - collected);
}
