/**
 * Secoda as the target port: its users read as members, a plan action carried
 * out as the matching call (invite = POST, update_role = PATCH, delete =
 * DELETE), its errors turned into failure kinds.
 */
import type { Member } from '../core/member.js';
import type { PlanAction } from '../core/plan.js';
import type { HttpClient } from '../http/client.js';
import type { TargetPort, WriteOutcome } from '../app/ports.js';
import { writeFailureOf } from './common.js';
import { createSecodaAdapter, type SecodaAdapter } from './secoda.js';
import { secodaUsersToMembers, splitName } from './secoda-members.js';
import type { SecodaUser } from './secoda-records.js';
import type { TargetSnapshotMember } from '../store/types.js';

export function createSecodaTarget(client: HttpClient, secoda: SecodaAdapter = createSecodaAdapter(client)): TargetPort {
  return {
    api: client.api,
    listMembers: async (onPage) => secodaUsersToMembers(await secoda.listUsers(onPage)),
    async readRecord(id) {
      const user = await secoda.getUser(id);
      return user ? recordOf(user) : null;
    },
    membersOf: (records) => secodaUsersToMembers(records.map(userOf)),
    async apply(action: PlanAction): Promise<WriteOutcome> {
      try {
        if (action.type === 'delete') {
          const { httpStatus } = await secoda.remove(requireId(action));
          return { ok: true, receipt: { httpStatus, ...(httpStatus === 404 ? { alreadyGone: true as const } : {}) } };
        }
        if (action.type === 'update_role') {
          const { httpStatus, ...user } = await secoda.setRole(requireId(action), action.to!);
          return { ok: true, member: memberOf(user), receipt: { httpStatus } };
        }
        const { httpStatus, alreadyExisted, ...user } = await secoda.invite({ email: action.email, ...splitName(action.name), role: action.to! });
        return { ok: true, member: memberOf(user), receipt: { httpStatus, ...(alreadyExisted ? { alreadyExisted } : {}) } };
      } catch (err) {
        return writeFailureOf(err);
      }
    },
  };
}

/** The snapshot's form of a Secoda user (what the store keeps of it). */
function recordOf(u: SecodaUser): TargetSnapshotMember {
  return {
    id: u.id, email: u.email, name: [u.first_name, u.last_name].filter(Boolean).join(' ').trim(),
    role: u.role, pending: u.pending, serviceAccount: u.is_service_account, disabled: u.disabled,
  };
}

/** A snapshot record as a Secoda user again: the name is kept whole (only the display name is ever compared). */
function userOf(r: TargetSnapshotMember): SecodaUser {
  return {
    id: r.id, first_name: r.name, last_name: '', email: r.email, role: r.role,
    pending: r.pending, is_service_account: r.serviceAccount, disabled: r.disabled,
  };
}

function memberOf(user: SecodaUser): Member {
  return secodaUsersToMembers([user])[0]!;
}

function requireId(action: PlanAction): string {
  if (!action.id) throw new Error(`no Secoda id known for ${action.email}`);
  return action.id;
}
