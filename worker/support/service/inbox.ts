import { and, count, desc, eq, isNull, lt, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { type BatchItem, changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type {
  AdminTicket,
  AdminTicketDetail,
  AdminTicketPage,
  AdminTicketQuery,
  CannedReply,
  CannedReplyBody,
  MergeTicketBody,
  StaffReplyBody,
  TicketEvent,
  UpdateTicketBody,
} from "../schema";
import { afterStaffReply, canMoveTicket, slaDue, slaState } from "../status";
import { supportCannedReplies, supportEvents, supportMessages, supportTickets } from "../tables";
import { sendTicketEmail } from "./emails";
import { getTicket, messagesOf, type TicketRow, toMessage, toSummary } from "./tickets";

const DONE: ("resolved" | "closed")[] = ["resolved", "closed"];

function toAdmin(t: TicketRow, assigneeName: string | null, now: Date): AdminTicket {
  let tags: string[] = [];
  try {
    tags = JSON.parse(t.tags) as string[];
  } catch {
    tags = [];
  }
  return {
    ...toSummary(t),
    customerEmail: t.customerEmail,
    customerName: t.customerName,
    customerUserId: t.customerUserId,
    assigneeId: t.assigneeId,
    assigneeName,
    tags,
    mergedIntoId: t.mergedIntoId,
    firstResponseDueAt: t.firstResponseDueAt,
    resolutionDueAt: t.resolutionDueAt,
    firstRespondedAt: t.firstRespondedAt,
    resolvedAt: t.resolvedAt,
    sla: {
      firstResponse: t.firstResponseBreachedAt ? "breached" : slaState(t.firstResponseDueAt, t.firstRespondedAt, t.createdAt, now),
      resolution: t.resolutionBreachedAt ? "breached" : slaState(t.resolutionDueAt, t.resolvedAt, t.createdAt, now),
    },
  };
}

/**
 * The support inbox: filters by status (`active` = not resolved or closed), priority, assignee (`me`, `none` or
 * an id), tag, SLA breach and free text (subject, customer, reference, order id); oldest waiting first for
 * active views, newest activity first otherwise.
 */
export async function listTicketsForAdmin(env: Env, staffId: string, q: AdminTicketQuery, now = new Date()): Promise<AdminTicketPage> {
  const db = getDb(env.DB);
  const where: SQL[] = [];
  if (q.status === "active") where.push(notInArray(supportTickets.status, DONE));
  else if (q.status) where.push(eq(supportTickets.status, q.status));
  if (q.priority) where.push(eq(supportTickets.priority, q.priority));
  if (q.assignee === "none") where.push(isNull(supportTickets.assigneeId));
  else if (q.assignee) where.push(eq(supportTickets.assigneeId, q.assignee === "me" ? staffId : q.assignee));
  if (q.tag) where.push(sql`EXISTS (SELECT 1 FROM json_each(${supportTickets.tags}) WHERE value = ${q.tag})`);
  if (q.breached === "true") {
    const iso = now.toISOString();
    where.push(
      or(
        sql`${supportTickets.firstResponseBreachedAt} IS NOT NULL`,
        sql`${supportTickets.resolutionBreachedAt} IS NOT NULL`,
        and(isNull(supportTickets.firstRespondedAt), lt(supportTickets.firstResponseDueAt, iso)),
        and(isNull(supportTickets.resolvedAt), lt(supportTickets.resolutionDueAt, iso)),
      ) as SQL,
    );
  }
  if (q.q) {
    const ref = /^t-?(\d+)$/i.exec(q.q);
    const text = `%${q.q.replace(/[%_\\]/g, (ch) => `\\${ch}`)}%`;
    const escaped = (col: SQLiteColumn) => sql`${col} LIKE ${text} ESCAPE '\\'`;
    where.push(
      or(
        escaped(supportTickets.subject),
        escaped(supportTickets.customerEmail),
        escaped(supportTickets.customerName),
        eq(supportTickets.orderId, q.q),
        ...(ref ? [eq(supportTickets.number, Number(ref[1]))] : []),
      ) as SQL,
    );
  }
  const filter = where.length ? and(...where) : undefined;
  const order = q.status === "active" ? supportTickets.lastMessageAt : desc(supportTickets.lastMessageAt);
  const [rows, total] = await Promise.all([
    db
      .select({ t: supportTickets, assigneeName: users.name })
      .from(supportTickets)
      .leftJoin(users, eq(users.id, supportTickets.assigneeId))
      .where(filter)
      .orderBy(order)
      .limit(q.perPage)
      .offset((q.page - 1) * q.perPage),
    db.select({ n: count() }).from(supportTickets).where(filter).get(),
  ]);
  return { items: rows.map((r) => toAdmin(r.t, r.assigneeName, now)), total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

/** One ticket for staff: every message (internal notes included) and its history. */
export async function adminTicketDetail(env: Env, id: string, now = new Date()): Promise<AdminTicketDetail> {
  const db = getDb(env.DB);
  const row = await db
    .select({ t: supportTickets, assigneeName: users.name })
    .from(supportTickets)
    .leftJoin(users, eq(users.id, supportTickets.assigneeId))
    .where(eq(supportTickets.id, id))
    .get();
  if (!row) throw new AppError("support.ticket_not_found", 404, "No such ticket.");
  const [messages, events] = await Promise.all([
    messagesOf(env, [id], true),
    db.select().from(supportEvents).where(eq(supportEvents.ticketId, id)).orderBy(supportEvents.createdAt, supportEvents.id),
  ]);
  return {
    ...toAdmin(row.t, row.assigneeName, now),
    messages: messages.map(toMessage),
    events: events.map((e) => ({
      id: e.id,
      kind: e.kind,
      actorLabel: e.actorLabel,
      data: e.data ? (JSON.parse(e.data) as TicketEvent["data"]) : null,
      createdAt: e.createdAt,
    })),
  };
}

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

/**
 * The SLA timer, run by the cron: stamps the breach time on every ticket whose first response or resolution is
 * past due and records it in the ticket's history once. Running it again changes nothing.
 */
export async function markSlaBreaches(env: Env, now = new Date()): Promise<number> {
  const iso = now.toISOString();
  const stamp = (kind: "first_response" | "resolution") => {
    const [due, done, breached] =
      kind === "first_response"
        ? ["first_response_due_at", "first_responded_at", "first_response_breached_at"]
        : ["resolution_due_at", "resolved_at", "resolution_breached_at"];
    return [
      env.DB.prepare(
        `INSERT INTO support_events (id, ticket_id, kind, actor_type, actor_id, actor_label, data, created_at)
         SELECT 'sev_' || lower(hex(randomblob(16))), id, 'sla_breached', 'system', NULL, 'SLA timer', json_object('target', ?1, 'dueAt', ${due}), ?2
         FROM support_tickets WHERE ${breached} IS NULL AND ${done} IS NULL AND ${due} < ?2 AND merged_into_id IS NULL`,
      ).bind(kind, iso),
      env.DB.prepare(
        `UPDATE support_tickets SET ${breached} = ?1 WHERE ${breached} IS NULL AND ${done} IS NULL AND ${due} < ?1 AND merged_into_id IS NULL`,
      ).bind(iso),
    ];
  };
  const results = await runBatch(env.DB, [...stamp("first_response"), ...stamp("resolution")]);
  return changesOf(results[1]) + changesOf(results[3]);
}

// ---- Canned replies ----

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

/** Tickets of a customer (by email) other than `exceptId`, for the merge picker. */
export async function otherTicketsOf(env: Env, email: string, exceptId: string) {
  const rows = await getDb(env.DB)
    .select()
    .from(supportTickets)
    .where(and(eq(supportTickets.customerEmail, email), isNull(supportTickets.mergedIntoId), sql`${supportTickets.id} <> ${exceptId}`))
    .orderBy(desc(supportTickets.lastMessageAt))
    .limit(20);
  return rows.map(toSummary);
}
