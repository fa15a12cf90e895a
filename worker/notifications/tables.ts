import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
    status: text("status", { enum: ["sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(1),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("email_outbox_to_idx").on(t.toAddress, t.createdAt), index("email_outbox_template_idx").on(t.template)],
);
