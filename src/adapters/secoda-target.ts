/**
 * Secoda as the target port: its users read as members, a plan action carried
 * out as the matching call (invite = POST, update_role = PATCH, delete =
 * DELETE, update_name = PATCH names, group = POST or PATCH of a group's full
 * list), its errors turned into failure kinds. It remembers the groups it read
 * and created in this run, to send an invite's groups as ids.
 */
import { groupKey, type TargetGroup } from '../core/groups.js';
import type { PlanAction } from '../core/plan.js';
import type { HttpClient } from '../http/client.js';
import type { TargetPort, WriteOutcome } from '../app/ports.js';
import { failureOf } from './common.js';
import { createSecodaAdapter, type SecodaAdapter } from './secoda.js';
import { createSecodaGroupsAdapter, type SecodaGroup, type SecodaGroupsAdapter } from './secoda-groups.js';
import { secodaUsersToMembers, secodaUserToMember, splitName } from './secoda-members.js';
import { SECODA_VOCABULARY } from './secoda-roles.js';
import type { SecodaUser } from './secoda-records.js';
import type { TargetSnapshotMember } from '../store/types.js';

export function createSecodaTarget(
  client: HttpClient,
  secoda: SecodaAdapter = createSecodaAdapter(client),
  groups: SecodaGroupsAdapter = createSecodaGroupsAdapter(client),
): TargetPort {
  /** Group ids by groupKey of their name: from the last read, and the groups created since. */
  const groupIds = new Map<string, string>();
  const known = (g: SecodaGroup): TargetGroup => {
    groupIds.set(groupKey(g.name), g.id);
    return { id: g.id, name: g.name, memberIds: g.users };
  };

  async function invite(action: PlanAction): Promise<WriteOutcome> {
    const names = action.groups ?? [];
    const ids = names.map((n) => groupIds.get(groupKey(n)));
    const notSent = names.filter((_, i) => ids[i] === undefined);
    const sent = ids.filter((id): id is string => id !== undefined);
    const { httpStatus, alreadyExisted, ...user } = await secoda.invite({
      email: action.email, ...splitName(action.name), role: action.to!, ...(sent.length ? { user_groups: sent } : {}),
    });
    return {
      ok: true, member: secodaUserToMember(user),
      receipt: {
        httpStatus, ...(alreadyExisted ? { alreadyExisted } : {}),
        ...(sent.length ? { memberships: sent.map((groupId) => ({ groupId, memberIds: [user.id] })) } : {}),
        ...(notSent.length ? { groupsNotSent: notSent } : {}),
      },
    };
  }

  async function writeGroup(action: PlanAction): Promise<WriteOutcome> {
    const g = action.group!;
    const written = g.id === undefined
      ? await groups.createGroup(g.name, g.memberIds, g.pendingIds)
      : await groups.setGroupUsers(g.id, g.memberIds, g.pendingIds);
    known(written);
    return { ok: true, receipt: { httpStatus: written.httpStatus, memberships: [{ groupId: written.id, memberIds: [...g.memberIds] }] } };
  }

  return {
    api: client.api,
    vocabulary: SECODA_VOCABULARY,
    listMembers: async (onPage) => secodaUsersToMembers(await secoda.listUsers(onPage)),
    listGroups: async (onPage) => {
      groupIds.clear();
      return (await groups.listGroups(onPage)).map(known);
    },
    async readRecord(id) {
      try {
        const user = await secoda.getUser(id);
        return { ok: true, record: user ? recordOf(user) : null };
      } catch (err) {
        return failureOf(err);
      }
    },
    membersOf: (records) => secodaUsersToMembers(records.map(userOf)),
    async apply(action: PlanAction): Promise<WriteOutcome> {
      try {
        switch (action.type) {
          case 'delete': {
            const { httpStatus } = await secoda.remove(requireId(action));
            return { ok: true, receipt: { httpStatus, ...(httpStatus === 404 ? { alreadyGone: true as const } : {}) } };
          }
          case 'update_role': {
            const { httpStatus, ...user } = await secoda.setRole(requireId(action), action.to!);
            return { ok: true, member: secodaUserToMember(user), receipt: { httpStatus } };
          }
          case 'update_name': {
            const { first_name, last_name } = splitName(action.name);
            const { httpStatus, ...user } = await secoda.setName(requireId(action), first_name, last_name);
            return { ok: true, member: secodaUserToMember(user), receipt: { httpStatus } };
          }
          case 'group':
            return await writeGroup(action);
          case 'invite':
            return await invite(action);
        }
      } catch (err) {
        return failureOf(err);
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

function requireId(action: PlanAction): string {
  if (!action.id) throw new Error(`no Secoda id known for ${action.email}`);
  return action.id;
}
