/**
 * GROUP_MAP's read, before any write: the target's groups, with the
 * memberships sent earlier to members still pending counted in (Secoda lists
 * them only once they sign in), matched to GROUP_MAP's names. A name two
 * groups answer to, or a mapped group listed without its users, fails the run
 * here: nothing has been written yet.
 */
import { groupKey, groupNames, matchGroups, withSentMemberships, type GroupMap, type TargetGroup } from '../core/groups.js';
import type { Member } from '../core/member.js';
import { ambiguousGroupText, noGroupsText, sentMembershipsNote, unlistedGroupText } from '../render/groups.js';
import type { Store } from '../store/types.js';
import type { PageProgress, TargetPort } from './ports.js';

export interface GroupRead {
  names: string[];
  found: Map<string, TargetGroup | undefined>;
  /** For the run's report: pending members counted from what was sent earlier. */
  notes: string[];
}

export class GroupReadError extends Error {
  override name = 'GroupReadError';
}

export async function readGroups(
  target: TargetPort, store: Store, map: GroupMap, current: readonly Member[], onPage?: (p: PageProgress) => void,
): Promise<GroupRead> {
  if (!target.listGroups) throw new GroupReadError(noGroupsText(target.api));
  const listed = await target.listGroups(onPage);
  const pendingIds = new Set(current.filter((m) => m.pending && m.id !== undefined).map((m) => m.id!));
  const { groups, counted, stale } = withSentMemberships(listed, await store.listSentMemberships(), pendingIds);
  await store.forgetSentMemberships(stale);
  const names = groupNames(map);
  const match = matchGroups(names, groups);
  if (match.ambiguous.length > 0) throw new GroupReadError(ambiguousGroupText(match.ambiguous));
  if (match.unlisted.length > 0) throw new GroupReadError(unlistedGroupText(match.unlisted));
  const mapped = new Set(names.map(groupKey));
  const emailOf = new Map(current.map((m) => [m.id, m.email]));
  const notes = counted
    .filter((c) => mapped.has(groupKey(c.group)))
    .map((c) => sentMembershipsNote(c.group, c.memberIds.map((id) => emailOf.get(id) ?? id)));
  return { names, found: match.found, notes };
}
