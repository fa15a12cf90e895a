import { and, count, desc, eq, inArray } from "drizzle-orm";
import { getDb } from "../../db/client";
import type { Principal } from "../../lib/context";
import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { accessOrder } from "../../orders";
import { referenceOf, verifyTicketToken } from "../access";
import type { CreateTicketBody, CreateTicketResult, TicketMessage, TicketPage, TicketSummary, TicketView } from "../schema";
import { afterCustomerReply, slaDue } from "../status";
import { type MessageSource, supportEvents, supportMessages, supportTickets, type TicketChannel } from "../tables";
import { sendTicketEmail } from "./emails";
import { countSupportStart } from "../limits";

export { referenceOf };

export type TicketRow = typeof supportTickets.$inferSelect;
type MessageRow = typeof supportMessages.$inferSelect;

export function toSummary(t: TicketRow): TicketSummary {
  return {
    id: t.id,
    reference: referenceOf(t),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    orderId: t.orderId,
    createdAt: t.createdAt,
    lastMessageAt: t.lastMessageAt,
  };
}

export function toMessage(m: MessageRow): TicketMessage {
  return {
    id: m.id,
    authorType: m.authorType,
    authorName: m.authorName,
    body: m.body,
    internal: m.internal === 1,
    source: m.source,
    createdAt: m.createdAt,
  };
}

const notFound = () => new AppError("support.ticket_not_found", 404, "No such ticket.");

/** The ticket by id, or 404. */
export async function getTicket(env: Env, id: string): Promise<TicketRow> {
  const row = await getDb(env.DB).select().from(supportTickets).where(eq(supportTickets.id, id)).get();
  if (!row) throw notFound();
  return row;
}

/**
 * The one rule for who may open a ticket as its customer: the signed-in owner, or anyone holding the ticket's
 * emailed link token. Another shopper's ticket answers 404 like a missing one; an anonymous caller without a
 * token gets 401.
 */
export async function accessTicket(env: Env, id: string, caller: { principal: Principal | null; token?: string | null }): Promise<TicketRow> {
  if (caller.token) {
    if (!(await verifyTicketToken(env, id, caller.token))) throw notFound();
    return getTicket(env, id);
  }
  if (!caller.principal) throw new AppError("auth.unauthenticated", 401, "Sign in, or open the link we emailed you.", [], { "WWW-Authenticate": "Bearer" });
  const row = await getDb(env.DB).select().from(supportTickets).where(eq(supportTickets.id, id)).get();
  if (!row || row.customerUserId !== caller.principal.id) throw notFound();
  return row;
}

export interface NewTicket {
  subject: string;
  message: string;
  channel: TicketChannel;
  customer: { userId: string | null; email: string; name: string };
  orderId: string | null;
  /** Where the first message came from and, for email and chat, its key (stored once). */
  source?: MessageSource;
  externalId?: string | null;
  /** When the first message was written, if earlier than now (a chat transcript saved when the chat ends). */
  firstMessageAt?: string;
}

/**
 * Writes a new ticket with its first message and "created" event in one batch. The number is taken inside the
 * INSERT (max + 1), so two tickets created at once cannot share it. Answers the new row.
 */
export async function insertTicket(env: Env, t: NewTicket): Promise<TicketRow> {
  const id = newId("tkt");
  const at = new Date();
  const due = slaDue("normal", at);
  const iso = at.toISOString();
  await runBatch(env.DB, [
    env.DB.prepare(
      `INSERT INTO support_tickets (id, number, subject, status, priority, channel, customer_user_id, customer_email, customer_name, order_id,
         first_response_due_at, resolution_due_at, last_message_at, created_at, updated_at)
       SELECT ?1, COALESCE(MAX(number), 1000) + 1, ?2, 'new', 'normal', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10 FROM support_tickets`,
    ).bind(
      id,
      t.subject,
      t.channel,
      t.customer.userId,
      t.customer.email.toLowerCase(),
      t.customer.name,
      t.orderId,
      due.firstResponseDueAt,
      due.resolutionDueAt,
      iso,
    ),
    getDb(env.DB)
      .insert(supportMessages)
      .values({
        id: newId("msg"),
        ticketId: id,
        authorType: "customer",
        authorId: t.customer.userId,
        authorName: t.customer.name,
        body: t.message,
        source: t.source ?? "web",
        externalId: t.externalId ?? null,
        createdAt: t.firstMessageAt ?? iso,
      }),
    getDb(env.DB)
      .insert(supportEvents)
      .values({
        id: newId("sev"),
        ticketId: id,
        kind: "created",
        actorType: "customer",
        actorId: t.customer.userId,
        actorLabel: t.customer.name,
        data: JSON.stringify({ channel: t.channel }),
        createdAt: iso,
      }),
  ]);
  return getTicket(env, id);
}

/**
 * Opens a ticket from the contact page or an order page. Signed-in shoppers write as their account; guests give
 * their email and get the ticket's link by email (the link proves the address, so the answer carries no token).
 * A linked order must be the caller's (owner, or the guest order link's token), else 404. Rate-limited per sender
 * and per network address (429 with Retry-After).
 */
export async function createTicket(
  env: Env,
  caller: { principal: Principal | null; ip?: string | null },
  body: CreateTicketBody,
  origin: string,
): Promise<CreateTicketResult> {
  const { principal } = caller;
  let customer: NewTicket["customer"];
  if (principal) customer = { userId: principal.id, email: principal.email, name: body.name ?? principal.name };
  else {
    if (!body.email)
      throw new AppError("request.invalid", 400, "The request has invalid fields.", [{ path: "email", message: "Give the email address we should answer" }]);
    customer = { userId: null, email: body.email, name: body.name ?? body.email.split("@")[0] ?? "Customer" };
  }
  await countSupportStart(env, "ticket", customer, caller.ip ?? null);
  let orderId: string | null = null;
  if (body.orderId) {
    try {
      const { order } = await accessOrder(env, body.orderId, { principal, token: body.orderToken ?? null });
      orderId = order.id;
    } catch (err) {
      if (err instanceof AppError && (err.status === 401 || err.status === 404)) {
        throw new AppError("support.order_not_found", 404, "That order is not yours or does not exist.", [{ path: "orderId", message: "Not found" }]);
      }
      throw err;
    }
  }
  const ticket = await insertTicket(env, { subject: body.subject, message: body.message, channel: "web", customer, orderId });
  await sendTicketEmail(env, origin, ticket, { kind: "received" });
  return { id: ticket.id, reference: referenceOf(ticket), status: ticket.status, verification: principal ? "account" : "email_link_sent" };
}

/** The signed-in shopper's tickets, newest activity first. */
export async function listTicketsForUser(env: Env, userId: string, page: number, perPage: number): Promise<TicketPage> {
  const db = getDb(env.DB);
  const where = and(eq(supportTickets.customerUserId, userId));
  const [rows, total] = await Promise.all([
    db
      .select()
      .from(supportTickets)
      .where(where)
      .orderBy(desc(supportTickets.lastMessageAt))
      .limit(perPage)
      .offset((page - 1) * perPage),
    db.select({ n: count() }).from(supportTickets).where(where).get(),
  ]);
  return { items: rows.map(toSummary), total: total?.n ?? 0, page, perPage };
}

/** Messages of tickets, oldest first; `withInternal` only for staff. */
export async function messagesOf(env: Env, ticketIds: string[], withInternal: boolean): Promise<MessageRow[]> {
  if (!ticketIds.length) return [];
  const rows = await getDb(env.DB)
    .select()
    .from(supportMessages)
    .where(inArray(supportMessages.ticketId, ticketIds))
    .orderBy(supportMessages.createdAt, supportMessages.id);
  return withInternal ? rows : rows.filter((m) => m.internal === 0);
}

/** What the shopper sees of their ticket: no internal notes, no staff-only fields. */
export async function ticketView(env: Env, ticket: TicketRow): Promise<TicketView> {
  return { ...toSummary(ticket), messages: (await messagesOf(env, [ticket.id], false)).map(toMessage) };
}

/**
 * Adds the shopper's message (from the page, an emailed reply or a chat transcript) and moves the status by
 * `afterCustomerReply`: a resolved or closed ticket is reopened. A merged ticket takes the reply on the ticket it
 * was merged into. With `externalId` the message is stored once however often it is delivered; answers false
 * for such a repeat.
 */
export async function addCustomerMessage(
  env: Env,
  ticket: TicketRow,
  message: { body: string; source: MessageSource; externalId?: string | null; authorName?: string },
): Promise<{ added: boolean; ticket: TicketRow }> {
  const target = ticket.mergedIntoId ? await getTicket(env, ticket.mergedIntoId) : ticket;
  const iso = new Date().toISOString();
  const next = afterCustomerReply(target.status);
  const messageId = newId("msg");
  const results = await runBatch(env.DB, [
    env.DB.prepare(
      `INSERT INTO support_messages (id, ticket_id, author_type, author_id, author_name, body, internal, source, external_id, created_at)
       VALUES (?1, ?2, 'customer', ?3, ?4, ?5, 0, ?6, ?7, ?8) ON CONFLICT(external_id) DO NOTHING`,
    ).bind(
      messageId,
      target.id,
      target.customerUserId,
      message.authorName ?? target.customerName,
      message.body,
      message.source,
      message.externalId ?? null,
      iso,
    ),
    // Only when the message went in (a repeat changes nothing).
    env.DB.prepare(
      `UPDATE support_tickets SET status = ?1, last_message_at = ?2, updated_at = ?2,
         resolved_at = CASE WHEN ?1 = 'reopened' THEN NULL ELSE resolved_at END
       WHERE id = ?3 AND EXISTS (SELECT 1 FROM support_messages WHERE id = ?4)`,
    ).bind(next, iso, target.id, messageId),
    env.DB.prepare(
      `INSERT INTO support_events (id, ticket_id, kind, actor_type, actor_id, actor_label, data, created_at)
       SELECT ?1, ?2, 'status', 'customer', ?3, ?4, ?5, ?6 WHERE ?7 <> ?8 AND EXISTS (SELECT 1 FROM support_messages WHERE id = ?9)`,
    ).bind(
      newId("sev"),
      target.id,
      target.customerUserId,
      target.customerName,
      JSON.stringify({ from: target.status, to: next, by: "reply" }),
      iso,
      target.status,
      next,
      messageId,
    ),
  ]);
  const added = (results[0]?.meta.changes ?? 0) > 0;
  return { added, ticket: added ? await getTicket(env, target.id) : target };
}
