/** GROUP_MAP's parser; throws a message completing "GROUP_MAP ...". */
import { collapse, groupKey, type GroupMap } from '../core/groups.js';

/**
 * `orgRole:Group name` pairs, comma-separated; the name is everything after
 * the first colon (spaces allowed, inner runs collapsed). A role may feed
 * several groups. Empty: null (groups are never read or touched).
 */
export function parseGroupMap(text: string, knownOrgRoles: readonly string[]): GroupMap | null {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return null;
  const pairs: { from: string; group: string }[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const from = colon === -1 ? '' : entry.slice(0, colon).trim().toLowerCase();
    const group = colon === -1 ? '' : collapse(entry.slice(colon + 1));
    if (!from || !group) {
      problems.push(`has a malformed entry "${entry}"; expected orgRole:Secoda group name, e.g. "developer:Engineering"`);
      continue;
    }
    if (!knownOrgRoles.includes(from)) {
      problems.push(`maps the org role "${from}", which the org API does not know (known: ${knownOrgRoles.join(', ')}); fix the spelling, or list the role in ORG_ROLE_NAMES`);
      continue;
    }
    if (pairs.some((p) => p.from === from && groupKey(p.group) === groupKey(group))) continue;
    pairs.push({ from, group });
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return pairs;
}
