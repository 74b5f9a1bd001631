/**
 * Group membership, in domain terms: which groups a member's source roles
 * put it in (GROUP_MAP), and how the names of that map find the target's
 * groups. The target's groups arrive as {@link TargetGroup}s; no wire shape
 * or API is known here.
 */

/** `orgRole:group name` pairs: a member holding `from` belongs to `group`. One role may feed several groups. */
export type GroupMap = ReadonlyArray<{ from: string; group: string }>;

/** A group of the target as its port reads it. */
export interface TargetGroup {
  id: string;
  name: string;
  /** Ids of the target's members listed in the group; null when the target did not say (then it cannot be planned). */
  memberIds: readonly string[] | null;
}

/** How names are compared: trimmed, inner whitespace collapsed, case-insensitive ("Data  team" is "data team"). */
export function groupKey(name: string): string {
  return collapse(name).toLowerCase();
}

export function collapse(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** The groups (names as GROUP_MAP spells them, each once, in map order) a member holding `sourceRoles` belongs to. */
export function mapGroups(sourceRoles: readonly string[], map: GroupMap): string[] {
  const held = new Set(sourceRoles.map((r) => r.trim().toLowerCase()));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const pair of map) {
    const key = groupKey(pair.group);
    if (held.has(pair.from) && !seen.has(key)) {
      seen.add(key);
      out.push(pair.group);
    }
  }
  return out;
}

/** The distinct group names of a map, in map order. */
export function groupNames(map: GroupMap): string[] {
  const seen = new Set<string>();
  return map.map((p) => p.group).filter((g) => !seen.has(groupKey(g)) && Boolean(seen.add(groupKey(g))));
}

export interface GroupMatch {
  /** By groupKey of the mapped name: the one target group of that name, or undefined when there is none yet. */
  found: Map<string, TargetGroup | undefined>;
  /** Mapped names two or more target groups answer to: the run cannot tell which one is meant. */
  ambiguous: { name: string; groups: TargetGroup[] }[];
  /** Mapped groups whose members the target did not list. */
  unlisted: TargetGroup[];
}

export function matchGroups(names: readonly string[], groups: readonly TargetGroup[]): GroupMatch {
  const found = new Map<string, TargetGroup | undefined>();
  const ambiguous: GroupMatch['ambiguous'] = [];
  const unlisted: TargetGroup[] = [];
  for (const name of names) {
    const hits = groups.filter((g) => groupKey(g.name) === groupKey(name));
    if (hits.length > 1) ambiguous.push({ name, groups: hits });
    else if (hits[0] && hits[0].memberIds === null) unlisted.push(hits[0]);
    found.set(groupKey(name), hits[0]);
  }
  return { found, ambiguous, unlisted };
}

/** A membership this sync sent to a pending member earlier (it may not be listed until they sign in). */
export interface SentMembership {
  groupId: string;
  memberId: string;
}

/**
 * The target lists a pending member in a group only once they sign in: a
 * membership sent earlier to a member still pending, and not listed, counts
 * as held — else it would be sent again every run. Returns the groups with
 * those members added, what was counted so (for the report), and the
 * remembered memberships no longer needed (listed now, member no longer
 * pending or gone): forget those.
 */
export function withSentMemberships(
  groups: readonly TargetGroup[],
  sent: readonly SentMembership[],
  pendingIds: ReadonlySet<string>,
): { groups: TargetGroup[]; counted: { group: string; memberIds: string[] }[]; stale: SentMembership[] } {
  const byGroup = new Map<string, string[]>();
  const stale: SentMembership[] = [];
  const listed = new Map(groups.map((g) => [g.id, new Set(g.memberIds ?? [])]));
  for (const s of sent) {
    const members = listed.get(s.groupId);
    if (!members || members.has(s.memberId) || !pendingIds.has(s.memberId)) {
      stale.push(s);
      continue;
    }
    byGroup.set(s.groupId, [...(byGroup.get(s.groupId) ?? []), s.memberId]);
  }
  const counted: { group: string; memberIds: string[] }[] = [];
  const out = groups.map((g) => {
    const extra = byGroup.get(g.id);
    if (!extra || g.memberIds === null) return g;
    counted.push({ group: g.name, memberIds: [...extra].sort() });
    return { ...g, memberIds: [...g.memberIds, ...extra] };
  });
  return { groups: out, counted, stale };
}
