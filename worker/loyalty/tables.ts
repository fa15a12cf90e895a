import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const LOYALTY_ENTRY_KINDS = ["earn", "mature", "redeem", "release", "reverse", "return", "expire", "adjust", "bonus"] as const;
export type LoyaltyEntryKind = (typeof LOYALTY_ENTRY_KINDS)[number];
export const LOYALTY_BUCKETS = ["pending", "available"] as const;
export type LoyaltyBucket = (typeof LOYALTY_BUCKETS)[number];

/**
 * The points ledger: append-only, one signed row per movement. A balance is a
 * sum over a user's rows of one bucket, never a stored figure, so a retried
 * movement (same `key`) can only be a no-op and history explains every point.
 * `spend` is the cash an earning was for (minor units, negative on reversal):
 * tiers sum it over twelve months.
 */
export const loyaltyEntries = sqliteTable(
  "loyalty_entries",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: LOYALTY_ENTRY_KINDS }).notNull(),
    bucket: text("bucket", { enum: LOYALTY_BUCKETS }).notNull(),
    points: integer("points").notNull(),
    orderId: text("order_id"),
    /** The order line (its SKU) a reversal or a return of redeemed points is for; null for order-wide movements. */
    line: text("line"),
    /** Of what was paid for `line`, how much (minor units) the refund behind this reversal covered. */
    lineRefunded: integer("line_refunded").notNull().default(0),
    /** What makes the movement happen once (`earn:<order>`, `reverse:<order>:<refunded>` …). */
    key: text("key").notNull(),
    /** The earning rule in force, JSON `{ pointsPerUnit, multiplierPermille, tier }`, stored with each earning. */
    rule: text("rule"),
    spend: integer("spend").notNull().default(0),
    currency: text("currency"),
    reason: text("reason"),
    actorId: text("actor_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("loyalty_entries_key_idx").on(t.key),
    index("loyalty_entries_user_idx").on(t.userId, t.bucket),
    index("loyalty_entries_order_idx").on(t.orderId),
  ],
);

/** Points an order redeems: held at checkout, committed when paid, released when cancelled or expired. */
export const loyaltyRedemptions = sqliteTable(
  "loyalty_redemptions",
  {
    orderId: text("order_id").primaryKey(),
    userId: text("user_id").notNull(),
    points: integer("points").notNull(),
    /** What the points took off the order (minor units of `currency`). */
    value: integer("value").notNull(),
    currency: text("currency").notNull(),
    /** How the points were shared over the order's lines at checkout, JSON `{ sku: points }` (null before migration 0035). */
    lines: text("lines"),
    status: text("status", { enum: ["held", "committed", "released"] })
      .notNull()
      .default("held"),
    holdExpiresAt: integer("hold_expires_at").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("loyalty_redemptions_status_idx").on(t.status, t.holdExpiresAt)],
);

/** Earnings waiting to become available: cleared once the order is delivered and its return window passed. */
export const loyaltyPendingOrders = sqliteTable("loyalty_pending_orders", {
  orderId: text("order_id").primaryKey(),
  userId: text("user_id").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** The program's settings, one JSON value per key (`program`). */
export const loyaltySettings = sqliteTable("loyalty_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

/** Expiry warnings sent, one per user and inactivity period (keyed by the last activity it warned about). */
export const loyaltyWarnings = sqliteTable("loyalty_warnings", {
  key: text("key").primaryKey(),
  userId: text("user_id").notNull(),
  createdAt: integer("created_at").notNull(),
});
