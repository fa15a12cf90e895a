import { inArray } from "drizzle-orm";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { LoyaltyAdjustBody, LoyaltyAdjustResult } from "../schema";
import { balanceOf, entryStatement } from "./ledger";

/**
 * A staff correction of a member's available points, with its reason, in the
 * same batch as the audit row. A deduction below zero is refused (409
 * `loyalty.insufficient_points`, naming `points`); 404 for an unknown user.
 */
export async function adjustPoints(env: Env, actor: AuditActor, body: LoyaltyAdjustBody): Promise<LoyaltyAdjustResult> {
  const user = await getDb(env.DB)
    .select({ id: users.id })
    .from(users)
    .where(inArray(users.id, [body.userId]))
    .get();
  if (!user) throw new AppError("loyalty.user_not_found", 404, "No such user.", [{ path: "userId", message: "Not found" }]);
  const before = await balanceOf(env, body.userId);
  if (body.points < 0 && before.available + body.points < 0) {
    throw new AppError("loyalty.insufficient_points", 409, `Only ${before.available} points are available to take off.`, [
      { path: "points", message: `At least -${Math.max(0, before.available)}` },
    ]);
  }
  const key = `adjust:${newId("adj")}`;
  await runBatch(env.DB, [
    entryStatement(env.DB, { userId: body.userId, kind: "adjust", bucket: "available", points: body.points, key, reason: body.reason, actorId: actor.actorId }),
    auditStatement(env.DB, actor, {
      action: "loyalty.adjust",
      entityType: "user",
      entityId: body.userId,
      before: { available: before.available },
      after: { available: before.available + body.points, points: body.points, reason: body.reason },
    }),
  ]);
  const after = await balanceOf(env, body.userId);
  const row = await env.DB.prepare("select id from loyalty_entries where key = ?").bind(key).first<{ id: string }>();
  return { entryId: row?.id ?? "", userId: body.userId, available: after.available };
}
