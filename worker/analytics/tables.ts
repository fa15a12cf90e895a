import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Storefront events delivered through ANALYTICS_QUEUE. The queue message id is
 * the primary key, so a message delivered twice is stored once.
 */
export const analyticsEvents = sqliteTable(
  "analytics_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    subjectId: text("subject_id"),
    occurredAt: text("occurred_at").notNull(),
    receivedAt: text("received_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    count: integer("count").notNull().default(1),
  },
  (t) => [index("analytics_events_type_time_idx").on(t.type, t.occurredAt), index("analytics_events_subject_idx").on(t.subjectId)],
);
