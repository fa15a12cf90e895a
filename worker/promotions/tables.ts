import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const PROMOTION_KINDS = ["percentage", "fixed", "free_shipping", "buy_x_get_y"] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

/**
 * A discount: a code shoppers type, or an automatic one (no code). Conditions
 * are one JSON object (products, categories, vendors, minimum subtotal, first
 * order, signed in) because they are read together and never queried one by one.
 * Times are epoch milliseconds; limits are null when unlimited.
 */
export const promotions = sqliteTable(
  "promotions",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Upper-case; null for an automatic discount. */
    code: text("code"),
    kind: text("kind", { enum: PROMOTION_KINDS }).notNull(),
    /** Percentage and buy-X-get-Y: basis points off (10000 = free); fixed: minor units off. */
    value: integer("value").notNull().default(0),
    buyQuantity: integer("buy_quantity").notNull().default(0),
    getQuantity: integer("get_quantity").notNull().default(0),
    conditions: text("conditions").notNull().default("{}"),
    /** 1: applies together with other discounts; 0: only alone. */
    combinable: integer("combinable").notNull().default(1),
    status: text("status", { enum: ["active", "paused"] })
      .notNull()
      .default("active"),
    startsAt: integer("starts_at"),
    endsAt: integer("ends_at"),
    usageLimit: integer("usage_limit"),
    perCustomerLimit: integer("per_customer_limit"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [uniqueIndex("promotions_code_idx").on(t.code), index("promotions_status_idx").on(t.status)],
);

/**
 * One row per promotion used by an order: what it took off the goods and the
 * shipping, the order's total (for revenue per promotion), and whether the use
 * is only reserved (payment pending), committed (paid) or released.
 */
export const promotionRedemptions = sqliteTable(
  "promotion_redemptions",
  {
    id: text("id").primaryKey(),
    promotionId: text("promotion_id").notNull(),
    orderId: text("order_id").notNull(),
    customerKey: text("customer_key").notNull(),
    code: text("code"),
    name: text("name").notNull(),
    amount: integer("amount").notNull(),
    shippingAmount: integer("shipping_amount").notNull().default(0),
    orderTotal: integer("order_total").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: ["reserved", "committed", "released"] })
      .notNull()
      .default("reserved"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    uniqueIndex("promotion_redemptions_order_idx").on(t.orderId, t.promotionId),
    index("promotion_redemptions_promotion_idx").on(t.promotionId, t.status),
  ],
);

/** The code a cart carries (one per cart), applied before checkout. */
export const promotionCartCodes = sqliteTable("promotion_cart_codes", {
  cartId: text("cart_id").primaryKey(),
  code: text("code").notNull(),
  appliedAt: text("applied_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});
