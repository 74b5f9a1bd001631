/** Queries of group_sends: memberships sent to pending members (see schema.ts). */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { SentMembership } from '../core/groups.js';
import { groupSends } from './schema.js';
import { inStatements, jsonParam, type Db } from './sql.js';

export async function listSentMemberships(db: Db): Promise<SentMembership[]> {
  const rows = await db.select({ groupId: groupSends.groupId, memberId: groupSends.memberId }).from(groupSends);
  return rows.sort((a, b) => (a.groupId + a.memberId < b.groupId + b.memberId ? -1 : 1));
}

export async function rememberSentMemberships(db: Db, groupId: string, memberIds: readonly string[], replace: boolean): Promise<void> {
  await db.transaction(async (tx) => {
    if (replace) await tx.delete(groupSends).where(eq(groupSends.groupId, groupId));
    const rows = [...new Set(memberIds)].map((memberId) => ({ group_id: groupId, member_id: memberId }));
    await inStatements(rows, (chunk) => tx.execute(sql`
      insert into ${groupSends} (group_id, member_id)
      select r.group_id, r.member_id from json_to_recordset(${jsonParam(chunk)}) as r(group_id text, member_id text)
      on conflict (group_id, member_id) do update set sent_at = now()`));
  });
}

export async function forgetSentMemberships(db: Db, list: readonly SentMembership[]): Promise<void> {
  if (list.length === 0) return;
  const byGroup = new Map<string, string[]>();
  for (const s of list) byGroup.set(s.groupId, [...(byGroup.get(s.groupId) ?? []), s.memberId]);
  await db.transaction(async (tx) => {
    for (const [groupId, ids] of byGroup) {
      await inStatements(ids, (chunk) => tx.delete(groupSends).where(and(eq(groupSends.groupId, groupId), inArray(groupSends.memberId, chunk))));
    }
  });
}
