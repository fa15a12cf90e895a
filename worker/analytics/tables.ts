import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
    /** Anonymous browser session (random, 30 minutes of inactivity); null for events without one. */
    sessionId: text("session_id"),
    /** "mobile", "tablet" or "desktop", from the User-Agent at the edge; the User-Agent itself is not kept. */
    device: text("device"),
    /** ISO 3166 alpha-2 country of the request as the edge saw it. */
    country: text("country"),
    /** For searches: how many products matched. */
    resultCount: integer("result_count"),
  },
  (t) => [
    index("analytics_events_type_time_idx").on(t.type, t.occurredAt),
    index("analytics_events_subject_idx").on(t.subjectId),
    index("analytics_events_time_idx").on(t.occurredAt),
  ],
);

/**
 * Daily rollups of the events, per store-local day: one row per figure and dimension
 * (`dimension` is "" for store-wide figures, else a product id, search text, device or country).
 * A day's rows are only ever replaced all at once, so a re-run cannot add to them.
 */
export const analyticsDaily = sqliteTable(
  "analytics_daily",
  {
    day: text("day").notNull(),
    metric: text("metric").notNull(),
    dimension: text("dimension").notNull().default(""),
    value: integer("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.metric, t.dimension] }), index("analytics_daily_metric_idx").on(t.metric, t.day)],
);

/** When each day was last rolled up, and over which UTC bounds (the store's time zone at that time). */
export const analyticsRollupRuns = sqliteTable("analytics_rollup_runs", {
  day: text("day").primaryKey(),
  timeZone: text("time_zone").notNull(),
  startsAt: text("starts_at").notNull(),
  endsAt: text("ends_at").notNull(),
  events: integer("events").notNull(),
  computedAt: text("computed_at").notNull(),
});

/** The analytics settings staff change (time zone of reports, cookie consent), one JSON value per key. */
export const analyticsSettings = sqliteTable("analytics_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedBy: text("updated_by"),
});
