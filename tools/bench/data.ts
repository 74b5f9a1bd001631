/**
 * Deterministic data for the benchmark: simulator seeds for the CLI-driven
 * scenarios, raw API records for the plan engine and the store.
 */
import type { SecodaUser } from '../../src/adapters/secoda-records.js';
import type { SourceUser as OrgUser } from '../../src/core/member.js';
import type { OrgSimUser, SecodaSeed } from '../simulators/index.js';

const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Niklaus', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Wirth', 'Perlman', 'Berners Lee'];

export function person(i: number): { first: string; last: string; name: string; email: string } {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  return { first, last, name: `${first} ${last}`, email: `user${i}@bench.example` };
}

/** Org roles -> the Secoda role the default ROLE_MAP gives them. */
const ORG_ROLES_FOR: Record<string, string[]> = { admin: ['admin'], editor: ['developer'], viewer: ['analyst'] };

export interface WorldSpec {
  /** Present on both sides with the same role (one of them the admin that must stay). */
  unchanged: number;
  /** Present on both sides with another role (half upgrades, half downgrades). */
  reRole: number;
  /** Only in the organization: invites. */
  invite: number;
  /** Only in Secoda: deletes. */
  remove: number;
}

export interface World {
  org: Partial<OrgSimUser>[];
  secoda: SecodaSeed[];
  /** Writes a sync must make: reRole + invite + remove. */
  changes: number;
}

/** Both sides of a sync with a known number of each change. */
export function makeWorld(spec: WorldSpec): World {
  const org: Partial<OrgSimUser>[] = [];
  const secoda: SecodaSeed[] = [];
  let i = 0;
  const both = (orgRole: string, secodaRole: string) => {
    const p = person(i++);
    org.push({ id: `o-${i}`, email: p.email, name: p.name, roles: ORG_ROLES_FOR[orgRole]! });
    secoda.push({ id: `s-${i}`, email: p.email, first_name: p.first, last_name: p.last, role: secodaRole });
  };
  for (let k = 0; k < spec.unchanged; k++) {
    const role = k === 0 ? 'admin' : k % 3 === 0 ? 'editor' : 'viewer';
    both(role, role);
  }
  for (let k = 0; k < spec.reRole; k++) {
    if (k % 2 === 0) both('editor', 'viewer'); // upgrade
    else both('viewer', 'editor'); // downgrade
  }
  for (let k = 0; k < spec.invite; k++) {
    const p = person(i++);
    org.push({ id: `o-${i}`, email: p.email, name: p.name, roles: ORG_ROLES_FOR[k % 4 === 0 ? 'editor' : 'viewer']! });
  }
  for (let k = 0; k < spec.remove; k++) {
    const p = person(i++);
    secoda.push({ id: `s-${i}`, email: p.email, first_name: p.first, last_name: p.last, role: k % 2 ? 'editor' : 'viewer' });
  }
  return { org, secoda, changes: spec.reRole + spec.invite + spec.remove };
}

/**
 * The organization as it was when Secoda was last in line with it: every
 * Secoda user of `world`, with the org role that gives their Secoda role
 * (the org ids of `world` where the user is in both).
 */
export function priorOrg(world: World): Partial<OrgSimUser>[] {
  const orgIds = new Map(world.org.map((u) => [u.email, u.id]));
  return world.secoda.map((u, k) => ({
    id: orgIds.get(String(u.email)) ?? `o-prior-${k}`,
    email: String(u.email),
    name: `${u.first_name} ${u.last_name}`,
    roles: ORG_ROLES_FOR[String(u.role)]!,
  }));
}

/**
 * n source x n target records for the plan engine: 85% on both sides (5% of
 * those with another role, every 50th with an upper-cased email), 15% only
 * in the source, 15% only in the target, a sprinkle of service accounts,
 * guests, disabled and pending users, and source duplicates.
 */
export function planInputs(n: number): { org: OrgUser[]; secoda: SecodaUser[] } {
  const org: OrgUser[] = [];
  const secoda: SecodaUser[] = [];
  const shared = Math.round(n * 0.85);
  const roles = ['admin', 'editor', 'viewer'];
  const orgRolesOf = (r: string) => ORG_ROLES_FOR[r]!;
  for (let i = 0; i < n; i++) {
    const p = person(i);
    const role = i === 0 ? 'admin' : roles[1 + (i % 2)]!;
    if (i < shared) {
      const targetRole = i % 20 === 7 ? (role === 'editor' ? 'viewer' : 'editor') : role;
      org.push({ id: `o-${i}`, email: i % 50 === 3 ? p.email.toUpperCase() : p.email, name: p.name, roles: orgRolesOf(role) });
      secoda.push({
        id: `s-${i}`, first_name: p.first, last_name: p.last, email: p.email, role: targetRole,
        pending: i % 17 === 0, is_service_account: i % 997 === 5, disabled: i % 991 === 6,
      });
    } else {
      // Source only (invites) in one half of the rest, target only (deletes) in the other.
      const q = person(n + i);
      org.push({ id: `o-${i}`, email: p.email, name: p.name, roles: i % 101 === 0 ? ['admin', 'analyst'] : orgRolesOf(role) });
      secoda.push({
        id: `s-${n + i}`, first_name: q.first, last_name: q.last, email: q.email, role: i % 97 === 0 ? 'guest' : role,
        pending: false, is_service_account: false, disabled: false,
      });
    }
  }
  // A few duplicates in the source (the API may repeat a user across pages).
  for (let i = 500; i < n; i += 1000) org.push({ ...org[i]!, id: `o-dup-${i}`, roles: ['analyst'] });
  return { org, secoda };
}

/** n Secoda users as the adapter returns them (for the snapshot store). */
export function secodaUsers(n: number): SecodaUser[] {
  const out: SecodaUser[] = [];
  for (let i = 0; i < n; i++) {
    const p = person(i);
    out.push({
      id: `5b6c${i.toString(16).padStart(8, '0')}-1b5a-4b8e-9c1d-2a3b4c5d6e7f`,
      first_name: p.first, last_name: p.last, email: p.email, role: i % 3 === 0 ? 'editor' : 'viewer',
      pending: i % 11 === 0, is_service_account: false, disabled: i % 503 === 0,
    });
  }
  return out;
}

/** n org users as the adapter returns them (for the org snapshot). */
export function orgUsers(n: number): OrgUser[] {
  const out: OrgUser[] = [];
  for (let i = 0; i < n; i++) {
    const p = person(i);
    out.push({ id: `o-${i}`, email: p.email, name: p.name, roles: i % 3 === 0 ? ['developer'] : ['analyst'] });
  }
  return out;
}
