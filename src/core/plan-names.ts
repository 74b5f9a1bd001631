/**
 * SYNC_NAMES: a managed member's name follows the source's. Names are
 * compared whitespace-collapsed, so a target that keeps "Mary Ann Smith" as
 * first "Mary", last "Ann Smith" is not renamed on every run. An empty
 * source name never blanks the target's.
 */
import { collapse } from './groups.js';
import type { ManagedPair } from './managed.js';
import type { PlanAction } from './plan.js';

export function planNames(pairs: readonly ManagedPair[]): PlanAction[] {
  const out: PlanAction[] = [];
  for (const { current: c, desired: d } of pairs) {
    if (!d || c.id === undefined) continue;
    const want = collapse(d.name);
    if (!want || want === collapse(c.name)) continue;
    out.push({ type: 'update_name', key: c.key, email: c.email, name: want, id: c.id, fromName: c.name, status: 'planned' });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
