/** The demo's simulated organization and drifted Secoda workspace (deterministic). */
import type { OrgSimUser, SecodaSeed } from '../simulators/index.js';

const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Niklaus', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Wirth', 'Perlman', 'Berners-Lee'];

function person(i: number) {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[(i * 7) % LAST.length]!;
  return { name: `${first} ${last}`, email: `${first}.${last}${i}@acme.example`.toLowerCase() };
}

const ROLE_CYCLE = [['analyst'], ['developer'], ['analyst'], ['analyst', 'developer'], ['analyst']];

export function demoOrganization(): Partial<OrgSimUser>[] {
  const users: Partial<OrgSimUser>[] = [
    { email: 'it-admin@acme.example', name: 'Ida Admin', roles: ['admin'] },
    { email: 'ceo@acme.example', name: 'Carla Chief', roles: ['analyst'] },
  ];
  for (let i = 0; i < 40; i++) users.push({ ...person(i), roles: ROLE_CYCLE[i % ROLE_CYCLE.length]! });
  return users;
}

export function demoWorkspace(): SecodaSeed[] {
  const seeds: SecodaSeed[] = [
    { email: 'it-admin@acme.example', first_name: 'Ida', last_name: 'Admin', role: 'admin' },
    // Protected: the org says analyst, but PROTECTED_EMAILS keeps the sync away.
    { email: 'ceo@acme.example', first_name: 'Carla', last_name: 'Chief', role: 'admin' },
    { email: 'etl-bot@acme.example', first_name: 'ETL', last_name: 'Bot', role: 'editor', is_service_account: true },
    { email: 'auditor@partner.example', first_name: 'Ann', last_name: 'Auditor', role: 'guest' },
    { email: 'former.contractor@acme.example', first_name: 'Fay', last_name: 'Former', role: 'viewer', disabled: true },
  ];
  // 32 of the 40 members are already in Secoda; a few with the wrong role, some still pending.
  for (let i = 0; i < 32; i++) {
    const p = person(i);
    const [first, ...rest] = p.name.split(' ');
    const roles = ROLE_CYCLE[i % ROLE_CYCLE.length]!;
    let role = roles.includes('developer') ? 'editor' : 'viewer';
    if (i % 9 === 4) role = role === 'editor' ? 'viewer' : 'editor';
    seeds.push({ email: i % 6 === 0 ? p.email.toUpperCase() : p.email, first_name: first, last_name: rest.join(' '), role, pending: i % 5 === 2 });
  }
  // Two people who left the organization.
  seeds.push({ email: 'leaver.one@acme.example', first_name: 'Lee', last_name: 'Leaver', role: 'editor' });
  seeds.push({ email: 'leaver.two@acme.example', first_name: 'Lou', last_name: 'Gone', role: 'viewer' });
  return seeds;
}
