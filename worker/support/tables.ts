import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const TICKET_STATUSES = ["new", "open", "waiting_on_customer", "resolved", "closed", "reopened"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_CHANNELS = ["web", "email", "chat"] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/**
 * A help-desk ticket. The customer is an account (`customerUserId`) or a guest known only by email; guests open
 * their ticket through a signed link (worker/support/access.ts). SLA due times are fixed when the ticket is
 * created from its priority and moved when the priority changes; the cron stamps the breach times.
 */
export const supportTickets = sqliteTable(
  "support_tickets",
  {
    id: text("id").primaryKey(),
    /** Short human reference shown to shoppers and in subjects ("T-1042"). */
    number: integer("number").notNull(),
    subject: text("subject").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull().default("new"),
    priority: text("priority", { enum: TICKET_PRIORITIES }).notNull().default("normal"),
    channel: text("channel", { enum: TICKET_CHANNELS }).notNull().default("web"),
    customerUserId: text("customer_user_id"),
    customerEmail: text("customer_email").notNull(),
    customerName: text("customer_name").notNull(),
    orderId: text("order_id"),
    assigneeId: text("assignee_id"),
    /** JSON array of lower-case tags. */
    tags: text("tags").notNull().default("[]"),
    /** Set when staff merged this ticket into another: it is closed and points there. */
    mergedIntoId: text("merged_into_id"),
    firstResponseDueAt: text("first_response_due_at"),
    resolutionDueAt: text("resolution_due_at"),
    firstRespondedAt: text("first_responded_at"),
    resolvedAt: text("resolved_at"),
    firstResponseBreachedAt: text("first_response_breached_at"),
    resolutionBreachedAt: text("resolution_breached_at"),
    lastMessageAt: text("last_message_at").notNull().default(now),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("support_tickets_number_uq").on(t.number),
    index("support_tickets_status_idx").on(t.status, t.lastMessageAt),
    index("support_tickets_customer_idx").on(t.customerUserId, t.lastMessageAt),
    index("support_tickets_email_idx").on(t.customerEmail),
    index("support_tickets_assignee_idx").on(t.assigneeId, t.status),
    index("support_tickets_order_idx").on(t.orderId),
  ],
);

export const MESSAGE_AUTHORS = ["customer", "staff", "system"] as const;
export type MessageAuthor = (typeof MESSAGE_AUTHORS)[number];
export const MESSAGE_SOURCES = ["web", "email", "chat"] as const;
export type MessageSource = (typeof MESSAGE_SOURCES)[number];

/** A message on a ticket. Internal notes (`internal = 1`) are staff-only and never emailed or shown to the shopper. */
export const supportMessages = sqliteTable(
  "support_messages",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    authorType: text("author_type", { enum: MESSAGE_AUTHORS }).notNull(),
    authorId: text("author_id"),
    authorName: text("author_name").notNull(),
    body: text("body").notNull(),
    internal: integer("internal").notNull().default(0),
    source: text("source", { enum: MESSAGE_SOURCES }).notNull().default("web"),
    /** The inbound email's Message-ID or the chat message key: a redelivered one is stored once. */
    externalId: text("external_id"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("support_messages_ticket_idx").on(t.ticketId, t.createdAt), uniqueIndex("support_messages_external_uq").on(t.externalId)],
);

/** Who did what when on a ticket: status changes, assignment, tags, priority, merges, SLA breaches. */
export const supportEvents = sqliteTable(
  "support_events",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    kind: text("kind").notNull(),
    actorType: text("actor_type", { enum: MESSAGE_AUTHORS }).notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    /** JSON details ({ from, to } for a status change, the tags added…). */
    data: text("data"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("support_events_ticket_idx").on(t.ticketId, t.createdAt)],
);

/** Saved answers agents insert into a reply. */
export const supportCannedReplies = sqliteTable("support_canned_replies", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  body: text("body").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull().default(now),
  updatedAt: text("updated_at").notNull().default(now),
});

export const CHAT_STATUSES = ["waiting", "active", "ended"] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number];

/**
 * A live chat conversation. The messages live in its `ChatRoom` Durable Object while it runs; when it ends (or
 * nobody can take it) the transcript is copied to `ticketId`.
 */
export const supportChats = sqliteTable(
  "support_chats",
  {
    id: text("id").primaryKey(),
    customerUserId: text("customer_user_id"),
    customerEmail: text("customer_email").notNull(),
    customerName: text("customer_name").notNull(),
    status: text("status", { enum: CHAT_STATUSES }).notNull().default("waiting"),
    ticketId: text("ticket_id"),
    /** The highest room sequence number already copied to the ticket, so a second save appends only what is new. */
    savedSeq: integer("saved_seq").notNull().default(0),
    createdAt: text("created_at").notNull().default(now),
    endedAt: text("ended_at"),
  },
  (t) => [index("support_chats_customer_idx").on(t.customerUserId)],
);
