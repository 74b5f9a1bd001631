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

export function createSecodaTarget(client: HttpClient, secoda: SecodaAdapter = createSecodaAdapter(client)): TargetPort {
  return {
    api: client.api,
    listMembers: async (onPage) => secodaUsersToMembers(await secoda.listUsers(onPage)),
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

function memberOf(user: SecodaUser): Member {
  return secodaUsersToMembers([user])[0]!;
}

function requireId(action: PlanAction): string {
  if (!action.id) throw new Error(`no Secoda id known for ${action.email}`);
  return action.id;
}
