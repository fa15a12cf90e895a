import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * queued: written with the change it announces, waiting for the consumer; sending: claimed by a consumer; failed:
 * last attempt failed, will retry; dead: retries exhausted (in the DLQ).
 */
export const EMAIL_STATUSES = ["queued", "sending", "sent", "failed", "dead"] as const;

/**
 * Every email the store sends, keyed by the message's idempotency key: a
 * queue message delivered twice finds its row and sends nothing again. With
 * the local provider (the default) this table is the outbox developers read.
 */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    template: text("template").notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    provider: text("provider").notNull(),
    status: text("status", { enum: EMAIL_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(1),
    /** The queue message as received (JSON), so an admin can re-render and retry it. */
    payload: text("payload"),
    /** The provider's id for the sent message (Resend/Postmark id; the row id for the outbox). */
    providerMessageId: text("provider_message_id"),
    lastError: text("last_error"),
    sentAt: text("sent_at"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at"),
  },
  (t) => [
    index("email_outbox_to_idx").on(t.toAddress, t.createdAt),
    index("email_outbox_template_idx").on(t.template),
    index("email_outbox_status_idx").on(t.status, t.createdAt),
  ],
);
