/**
 * Which current members the sync manages, each with its desired member (none
 * for a leaver) — the same reading computePlan makes, for the plan parts that
 * come on top of roles (names, group membership).
 */
import type { Member } from './member.js';

export interface ManagedPair {
  current: Member;
  /** Undefined: the member left the source (its delete is computePlan's business). */
  desired?: Member;
}

export interface ManagedOptions {
  isProtected: (key: string) => boolean;
  keyOwner?: string | null;
}

export function managedPairs(desired: readonly Member[], current: readonly Member[], options: ManagedOptions): ManagedPair[] {
  const guarded = (m: Member) => Boolean(m.exclusion) || (Boolean(options.keyOwner) && m.key === options.keyOwner) || options.isProtected(m.key);
  const wanted = new Map<string, Member>();
  const sourceOut = new Set<string>();
  for (const d of desired) {
    if (guarded(d)) sourceOut.add(d.key);
    else wanted.set(d.key, d);
  }
  const pairs: ManagedPair[] = [];
  for (const c of current) {
    if (guarded(c) || sourceOut.has(c.key)) continue;
    const d = wanted.get(c.key);
    pairs.push(d ? { current: c, desired: d } : { current: c });
  }
  return pairs;
}
