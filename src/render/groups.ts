/** GROUP_MAP's errors and notes in words (the data comes from src/core/groups.ts). */
import type { TargetGroup } from '../core/groups.js';

const named = (g: TargetGroup) => `"${g.name}" (id ${g.id})`;

/** A mapped name two or more target groups answer to: the run cannot tell which one GROUP_MAP means. */
export function ambiguousGroupText(list: readonly { name: string; groups: readonly TargetGroup[] }[]): string {
  const each = list.map((a) => `GROUP_MAP's group "${a.name}" matches ${a.groups.length} Secoda groups: ${a.groups.map(named).join(', ')}`);
  return `${each.join('; ')} — names are compared ignoring case and extra spaces; rename or delete all but one in Secoda. Nothing was changed`;
}

export function unlistedGroupText(groups: readonly TargetGroup[]): string {
  return `Secoda listed the group(s) ${groups.map(named).join(', ')} without their users ("None" or missing): their members cannot be planned. Nothing was changed`;
}

export function noGroupsText(api: string): string {
  return `GROUP_MAP is set, but the ${api} target has no groups to read. Nothing was changed`;
}

/** Pending members counted in a group from what this sync sent earlier. */
export function sentMembershipsNote(group: string, emails: readonly string[]): string {
  const shown = emails.slice(0, 10).join(', ') + (emails.length > 10 ? ` and ${emails.length - 10} more` : '');
  return (
    `group "${group}": ${emails.length} pending member(s) (${shown}) counted as members from what this sync sent earlier — ` +
    'Secoda lists an invited user in a group only once they sign in, so the membership is not sent again'
  );
}
