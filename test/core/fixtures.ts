/** Small builders for plan tests: org users, Secoda users, plan options, and a plan over both, worded as the report words it. */
import type { SourceUser as OrgUser } from '../../src/core/member.js';
import { orgUsersToMembers } from '../../src/core/normalise.js';
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import type { SecodaUser } from '../../src/adapters/secoda-records.js';
import { computePlan, type PlanOptions } from '../../src/core/plan.js';
import { DEFAULT_ROLE_MAP } from '../../src/config/variables.js';
import { parseRoleMap, SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import { planText } from '../../src/render/holds.js';

export const roleMap = parseRoleMap(DEFAULT_ROLE_MAP);
let n = 0;
export const org = (email: string, roles: string[], name = 'Ada Lovelace'): OrgUser => ({ id: `o${++n}`, email, name, roles });
export const secoda = (email: string, role: string, extra: Partial<SecodaUser> = {}): SecodaUser => ({
  id: `s-${email}`, first_name: 'X', last_name: 'Y', email, role, pending: false, is_service_account: false, disabled: false, ...extra,
});
/** Guards off unless a test sets them (counts high, percent caps disabled). */
export const options = (o: Partial<PlanOptions> = {}): PlanOptions => ({
  roleOrder: SECODA_VOCABULARY.roles, adminRole: SECODA_VOCABULARY.adminRole, isProtected: () => false, deleteHolds: [],
  maxDeletes: 25, maxDeletePercent: null, maxDemotions: 25, maxDemotionPercent: null, ...o,
});
export const plan = (source: OrgUser[], target: SecodaUser[], o: Partial<PlanOptions> = {}, defaultRole: 'viewer' | null = 'viewer') => {
  const p = computePlan(orgUsersToMembers(source, { roleMap, defaultRole, roleOrder: SECODA_VOCABULARY.roles }), secodaUsersToMembers(target), options(o));
  return { ...p, ...planText(p) };
};
