// Staff changes to a ticket: status, priority, assignee and tags; replies and internal notes; merging a duplicate.
import { and, eq, isNull } from "drizzle-orm";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { type BatchItem, changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { AdminTicketDetail, MergeTicketBody, StaffReplyBody, UpdateTicketBody } from "../schema";
import { afterStaffReply, canMoveTicket, slaDue } from "../status";
import { supportEvents, supportMessages, supportTickets } from "../tables";
import { sendTicketEmail } from "./emails";
import { adminTicketDetail } from "./inbox";
import { getTicket, type TicketRow } from "./tickets";

function staffEvent(env: Env, actor: AuditActor, ticketId: string, kind: string, data: unknown, at: string) {
  return getDb(env.DB)
    .insert(supportEvents)
    .values({
      id: newId("sev"),
      ticketId,
      kind,
      actorType: "staff",
      actorId: actor.actorId,
      actorLabel: actor.actorEmail,
      data: JSON.stringify(data),
      createdAt: at,
    });
}

/**
 * Staff changes to a ticket: status (along the transition table only, else 409), priority (moves the SLA due
 * times, counted from the ticket's creation), assignee (a staff account, else 400) and tags. The change, its
 * events and the audit row commit together; the update is guarded by the status it was read with, so two
 * agents changing one ticket at once cannot both apply a stale transition (409).
 */
export async function updateTicket(env: Env, actor: AuditActor, id: string, body: UpdateTicketBody): Promise<AdminTicketDetail> {
  const t = await getTicket(env, id);
  const at = new Date().toISOString();
  const set: Partial<TicketRow> = { updatedAt: at };
  const events: BatchItem[] = [];
  if (body.status && body.status !== t.status) {
    if (!canMoveTicket(t.status, body.status)) {
      throw new AppError("support.invalid_transition", 409, `A ${t.status.replaceAll("_", " ")} ticket cannot become ${body.status.replaceAll("_", " ")}.`, [
        { path: "status", message: "Not allowed from the current status" },
      ]);
    }
    set.status = body.status;
    if (body.status === "resolved" || body.status === "closed") set.resolvedAt = t.resolvedAt ?? at;
    if (body.status === "open" || body.status === "reopened") set.resolvedAt = null;
    events.push(staffEvent(env, actor, id, "status", { from: t.status, to: body.status }, at));
  }
  if (body.priority && body.priority !== t.priority) {
    set.priority = body.priority;
    Object.assign(set, slaDue(body.priority, new Date(t.createdAt)));
    events.push(staffEvent(env, actor, id, "priority", { from: t.priority, to: body.priority }, at));
  }
  if (body.assigneeId !== undefined && body.assigneeId !== t.assigneeId) {
    if (body.assigneeId) {
      const staff = await getDb(env.DB).select({ role: users.role, status: users.status }).from(users).where(eq(users.id, body.assigneeId)).get();
      if (!staff || (staff.role !== "admin" && staff.role !== "support") || staff.status !== "active") {
        throw new AppError("request.invalid", 400, "The request has invalid fields.", [{ path: "assigneeId", message: "Not an active staff member" }]);
      }
    }
    set.assigneeId = body.assigneeId;
    events.push(staffEvent(env, actor, id, "assignee", { from: t.assigneeId, to: body.assigneeId }, at));
  }
  if (body.tags) {
    const tags = [...new Set(body.tags)].sort();
    if (JSON.stringify(tags) !== t.tags) {
      set.tags = JSON.stringify(tags);
      events.push(staffEvent(env, actor, id, "tags", { from: JSON.parse(t.tags), to: tags }, at));
    }
  }
  if (events.length) {
    const db = getDb(env.DB);
    await runBatch(env.DB, [
      db
        .update(supportTickets)
        .set(set)
        .where(and(eq(supportTickets.id, id), eq(supportTickets.updatedAt, t.updatedAt))),
      // A stale read changed nothing: fail the whole batch so no event or audit row is written for it.
      env.DB.prepare("SELECT json('stale ticket') WHERE changes() = 0"),
      ...events,
      auditStatement(env.DB, actor, { action: "support.ticket_update", entityType: "support_ticket", entityId: id, before: pick(t, set), after: set }),
    ]).catch((err: unknown) => {
      if (String(err).includes("malformed JSON")) throw new AppError("support.conflict", 409, "The ticket changed meanwhile; reload and try again.");
      throw err;
    });
  }
  return adminTicketDetail(env, id);
}

const pick = (t: TicketRow, set: Partial<TicketRow>) => Object.fromEntries(Object.keys(set).map((k) => [k, t[k as keyof TicketRow]]));

/**
 * A staff reply or internal note. A reply the shopper sees is emailed to them through the queue (with the
 * ticket's reply address), stamps the first response for the SLA, and moves the status by `afterStaffReply`
 * (default: waiting on customer). A note changes nothing the shopper sees.
 */
export async function staffReply(env: Env, actor: AuditActor & { name: string }, id: string, body: StaffReplyBody, origin: string): Promise<AdminTicketDetail> {
  const t = await getTicket(env, id);
  if (t.mergedIntoId) throw new AppError("support.merged", 409, "This ticket was merged; answer on the ticket it was merged into.");
  const at = new Date().toISOString();
  const messageId = newId("msg");
  const db = getDb(env.DB);
  const items: BatchItem[] = [
    db.insert(supportMessages).values({
      id: messageId,
      ticketId: id,
      authorType: "staff",
      authorId: actor.actorId,
      authorName: actor.name,
      body: body.body,
      internal: body.internal ? 1 : 0,
      source: "web",
      createdAt: at,
    }),
  ];
  if (!body.internal) {
    const next = afterStaffReply(t.status, body.status);
    items.push(
      db
        .update(supportTickets)
        .set({
          status: next,
          lastMessageAt: at,
          updatedAt: at,
          firstRespondedAt: t.firstRespondedAt ?? at,
          ...(next === "resolved" || next === "closed" ? { resolvedAt: t.resolvedAt ?? at } : {}),
        })
        .where(eq(supportTickets.id, id)),
    );
    if (next !== t.status) items.push(staffEvent(env, actor, id, "status", { from: t.status, to: next, by: "reply" }, at));
  } else {
    items.push(db.update(supportTickets).set({ updatedAt: at }).where(eq(supportTickets.id, id)));
  }
  await runBatch(env.DB, items);
  if (!body.internal) await sendTicketEmail(env, origin, t, { kind: "reply", messageId, body: body.body, author: actor.name });
  return adminTicketDetail(env, id);
}

/**
 * Merges a duplicate into another ticket of the same customer: its messages move over (kept in their time
 * order), it is closed and points to the target, and both histories say so. Merging into itself, into a merged
 * ticket or across customers is refused.
 */
export async function mergeTicket(env: Env, actor: AuditActor, id: string, body: MergeTicketBody): Promise<AdminTicketDetail> {
  if (id === body.intoId) throw new AppError("request.invalid", 400, "The request has invalid fields.", [{ path: "intoId", message: "Pick another ticket" }]);
  const [from, into] = await Promise.all([getTicket(env, id), getTicket(env, body.intoId)]);
  if (from.mergedIntoId || into.mergedIntoId) throw new AppError("support.merged", 409, "One of these tickets was already merged.");
  if (from.customerEmail !== into.customerEmail) {
    throw new AppError("support.merge_other_customer", 409, "Only tickets of the same customer can be merged.", [
      { path: "intoId", message: "Another customer's ticket" },
    ]);
  }
  const at = new Date().toISOString();
  const db = getDb(env.DB);
  const results = await runBatch(env.DB, [
    db
      .update(supportTickets)
      .set({ mergedIntoId: into.id, status: "closed", resolvedAt: from.resolvedAt ?? at, updatedAt: at })
      .where(and(eq(supportTickets.id, from.id), isNull(supportTickets.mergedIntoId))),
    env.DB.prepare("UPDATE support_messages SET ticket_id = ?1 WHERE ticket_id = ?2 AND changes() = 1").bind(into.id, from.id),
    env.DB.prepare("UPDATE support_tickets SET last_message_at = MAX(last_message_at, ?1), updated_at = ?2 WHERE id = ?3").bind(
      from.lastMessageAt,
      at,
      into.id,
    ),
    staffEvent(env, actor, from.id, "merged_into", { into: into.id }, at),
    staffEvent(env, actor, into.id, "merged_from", { from: from.id }, at),
    auditStatement(env.DB, actor, { action: "support.ticket_merge", entityType: "support_ticket", entityId: from.id, after: { into: into.id } }),
  ]);
  if (changesOf(results[0]) === 0) throw new AppError("support.merged", 409, "This ticket was already merged.");
  return adminTicketDetail(env, into.id);
}
