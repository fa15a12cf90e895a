// The support inbox's reads: the filtered ticket list, one ticket with its history, and a customer's other
// tickets. Staff changes are in ticket-changes.ts, the SLA timer in sla.ts, saved answers in canned-replies.ts.
import { and, count, desc, eq, isNull, lt, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import type { AdminTicket, AdminTicketDetail, AdminTicketPage, AdminTicketQuery, TicketEvent } from "../schema";
import { slaState } from "../status";
import { supportEvents, supportTickets } from "../tables";
import { messagesOf, type TicketRow, toMessage, toSummary } from "./tickets";

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
