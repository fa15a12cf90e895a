import { z } from "@hono/zod-openapi";
import { MESSAGE_AUTHORS, MESSAGE_SOURCES, TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES } from "./tables";

const body = z.string().trim().min(1, "Write a message").max(5000, "At most 5,000 characters");

export const CreateTicketBody = z
  .object({
    subject: z.string().trim().min(1, "Add a subject").max(200),
    message: body,
    /** Guests only: where the signed link and replies go (signed-in shoppers use their account's address). */
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    /** The order this is about: the caller's own order, or a guest's order opened with its emailed token. */
    orderId: z.string().max(64).optional(),
    orderToken: z.string().max(100).optional(),
  })
  .strict()
  .openapi("CreateTicketBody");
export type CreateTicketBody = z.infer<typeof CreateTicketBody>;

export const ReplyBody = z.object({ body }).strict().openapi("SupportReplyBody");
export type ReplyBody = z.infer<typeof ReplyBody>;

export const TicketMessage = z
  .object({
    id: z.string(),
    authorType: z.enum(MESSAGE_AUTHORS),
    authorName: z.string(),
    body: z.string(),
    internal: z.boolean(),
    source: z.enum(MESSAGE_SOURCES),
    createdAt: z.string(),
  })
  .openapi("SupportMessage");
export type TicketMessage = z.infer<typeof TicketMessage>;

/** One field of an event's details: a status, priority, assignee or ticket id (or null), or a list of tags. */
const EventValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);

export const TicketEvent = z
  .object({
    id: z.string(),
    kind: z.string(),
    actorLabel: z.string(),
    data: z
      .record(z.string(), EventValue)
      .nullable()
      .openapi({ description: "What changed, by kind: `from`/`to` (status, priority, assignee, tags), `into`/`from` (merges), `by`." }),
    createdAt: z.string(),
  })
  .openapi("SupportEvent");
export type TicketEvent = z.infer<typeof TicketEvent>;

export const SLA_STATES = ["ok", "due_soon", "breached", "met"] as const;

export const TicketSummary = z
  .object({
    id: z.string(),
    reference: z.string().openapi({ example: "T-1042" }),
    subject: z.string(),
    status: z.enum(TICKET_STATUSES),
    priority: z.enum(TICKET_PRIORITIES),
    channel: z.enum(TICKET_CHANNELS),
    orderId: z.string().nullable(),
    createdAt: z.string(),
    lastMessageAt: z.string(),
  })
  .openapi("SupportTicketSummary");
export type TicketSummary = z.infer<typeof TicketSummary>;

export const TicketPage = z
  .object({ items: z.array(TicketSummary), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("SupportTicketPage");
export type TicketPage = z.infer<typeof TicketPage>;

export const TicketView = TicketSummary.extend({ messages: z.array(TicketMessage) }).openapi("SupportTicket");
export type TicketView = z.infer<typeof TicketView>;

export const CreateTicketResult = z
  .object({
    id: z.string(),
    reference: z.string(),
    status: z.enum(TICKET_STATUSES),
    /** Guests: the link to the ticket was emailed (it proves the address); signed-in shoppers see it under their account. */
    verification: z.enum(["account", "email_link_sent"]),
  })
  .openapi("CreateTicketResult");
export type CreateTicketResult = z.infer<typeof CreateTicketResult>;

// ---- Staff ----

export const AdminTicket = TicketSummary.extend({
  customerEmail: z.string(),
  customerName: z.string(),
  customerUserId: z.string().nullable(),
  assigneeId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  tags: z.array(z.string()),
  mergedIntoId: z.string().nullable(),
  firstResponseDueAt: z.string().nullable(),
  resolutionDueAt: z.string().nullable(),
  firstRespondedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  sla: z.object({ firstResponse: z.enum(SLA_STATES), resolution: z.enum(SLA_STATES) }),
}).openapi("AdminSupportTicket");
export type AdminTicket = z.infer<typeof AdminTicket>;

export const AdminTicketPage = z
  .object({ items: z.array(AdminTicket), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("AdminSupportTicketPage");
export type AdminTicketPage = z.infer<typeof AdminTicketPage>;

export const AdminTicketDetail = AdminTicket.extend({ messages: z.array(TicketMessage), events: z.array(TicketEvent) }).openapi("AdminSupportTicketDetail");
export type AdminTicketDetail = z.infer<typeof AdminTicketDetail>;

export const AdminTicketQuery = z
  .object({
    status: z
      .enum([...TICKET_STATUSES, "active"])
      .optional()
      .openapi({ description: "A status, or `active` for every status but resolved and closed." }),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    assignee: z.string().max(64).optional().openapi({ description: "A staff user id, `me`, or `none` for unassigned." }),
    tag: z.string().trim().toLowerCase().max(40).optional(),
    q: z
      .string()
      .trim()
      .max(200)
      .optional()
      .openapi({ description: "Words in the subject, the customer's email or name, the reference (T-1042) or an order id." }),
    breached: z.enum(["true", "false"]).optional().openapi({ description: "`true`: only tickets past an SLA target." }),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    perPage: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();
export type AdminTicketQuery = z.infer<typeof AdminTicketQuery>;

export const UpdateTicketBody = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    assigneeId: z.string().max(64).nullable().optional(),
    tags: z.array(z.string().trim().toLowerCase().min(1).max(40)).max(20).optional(),
  })
  .strict()
  .openapi("UpdateSupportTicketBody");
export type UpdateTicketBody = z.infer<typeof UpdateTicketBody>;

export const StaffReplyBody = z
  .object({
    body,
    /** An internal note: staff only, never emailed. */
    internal: z.boolean().default(false),
    /** The status after the reply; default `waiting_on_customer` for a public reply. */
    status: z.enum(TICKET_STATUSES).optional(),
  })
  .strict()
  .openapi("StaffSupportReplyBody");
export type StaffReplyBody = z.infer<typeof StaffReplyBody>;

export const MergeTicketBody = z
  .object({ intoId: z.string().min(1).max(64) })
  .strict()
  .openapi("MergeSupportTicketBody");
export type MergeTicketBody = z.infer<typeof MergeTicketBody>;

export const CannedReplyBody = z
  .object({ title: z.string().trim().min(1).max(100), body: z.string().trim().min(1).max(5000) })
  .strict()
  .openapi("CannedReplyBody");
export type CannedReplyBody = z.infer<typeof CannedReplyBody>;

export const CannedReply = z.object({ id: z.string(), title: z.string(), body: z.string(), updatedAt: z.string() }).openapi("CannedReply");
export type CannedReply = z.infer<typeof CannedReply>;
export const CannedReplyList = z.object({ items: z.array(CannedReply) }).openapi("CannedReplyList");

// ---- Live chat ----

export const StartChatBody = z
  .object({ email: z.email().max(254).optional(), name: z.string().trim().min(1).max(100).optional() })
  .strict()
  .openapi("StartChatBody");
export type StartChatBody = z.infer<typeof StartChatBody>;

export const StartChatResult = z
  .object({
    id: z.string(),
    /** Guests: the token the socket URL carries (`?token=`); null for signed-in shoppers (their cookie is enough). */
    token: z.string().nullable(),
    socketPath: z.string(),
  })
  .openapi("StartChatResult");
export type StartChatResult = z.infer<typeof StartChatResult>;

export const InboxSnapshotSchema = z
  .object({
    agents: z.array(z.object({ id: z.string(), name: z.string(), capacity: z.number().int(), chats: z.array(z.string()) })),
    waiting: z.array(z.object({ chatId: z.string(), name: z.string(), position: z.number().int(), since: z.string() })),
  })
  .openapi("SupportInboxSnapshot");
