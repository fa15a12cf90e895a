// Canned replies: saved answers staff insert into a reply.
import { eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { CannedReply, CannedReplyBody } from "../schema";
import { supportCannedReplies } from "../tables";

const toCanned = (r: typeof supportCannedReplies.$inferSelect): CannedReply => ({ id: r.id, title: r.title, body: r.body, updatedAt: r.updatedAt });

/** Saved answers, by title. */
export async function listCannedReplies(env: Env): Promise<CannedReply[]> {
  return (await getDb(env.DB).select().from(supportCannedReplies).orderBy(supportCannedReplies.title)).map(toCanned);
}

/** Saves a new canned reply (audited). */
export async function createCannedReply(env: Env, actor: AuditActor, body: CannedReplyBody): Promise<CannedReply> {
  const id = newId("cnr");
  const at = new Date().toISOString();
  const row = { id, title: body.title, body: body.body, createdBy: actor.actorId, createdAt: at, updatedAt: at };
  await runBatch(env.DB, [
    getDb(env.DB).insert(supportCannedReplies).values(row),
    auditStatement(env.DB, actor, { action: "support.canned_reply_create", entityType: "support_canned_reply", entityId: id, after: body }),
  ]);
  return toCanned(row);
}

/** Deletes a canned reply (audited); 404 when unknown. */
export async function deleteCannedReply(env: Env, actor: AuditActor, id: string): Promise<void> {
  const results = await runBatch(env.DB, [
    getDb(env.DB).delete(supportCannedReplies).where(eq(supportCannedReplies.id, id)),
    auditStatement(env.DB, actor, { action: "support.canned_reply_delete", entityType: "support_canned_reply", entityId: id }),
  ]);
  if (changesOf(results[0]) === 0) throw new AppError("support.canned_reply_not_found", 404, "No such canned reply.");
}
