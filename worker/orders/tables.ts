import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const ORDER_STATUSES = ["pending_payment", "paid", "fulfilling", "shipped", "delivered", "cancelled", "refunded", "partially_refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * An order, with every amount computed on the server at checkout (integer
 * minor units). The shipping address is encrypted like the address book.
 */
export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull(),
    userId: text("user_id"),
    email: text("email").notNull(),
    cartId: text("cart_id").notNull(),
    status: text("status", { enum: ORDER_STATUSES }).notNull(),
    currency: text("currency").notNull(),
    subtotal: integer("subtotal").notNull(),
    shippingTotal: integer("shipping_total").notNull(),
    taxTotal: integer("tax_total").notNull(),
    discountTotal: integer("discount_total").notNull().default(0),
    grandTotal: integer("grand_total").notNull(),
    refundedTotal: integer("refunded_total").notNull().default(0),
    shippingOption: text("shipping_option").notNull(),
    shippingCountry: text("shipping_country").notNull(),
    shippingAddressEnc: text("shipping_address_enc").notNull(),
    /** SHA-256 of the token in a guest's order link. */
    accessTokenHash: text("access_token_hash").notNull(),
    holdsExpireAt: integer("holds_expire_at").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    uniqueIndex("orders_number_uq").on(t.number),
    index("orders_user_idx").on(t.userId, t.createdAt),
    index("orders_status_idx").on(t.status, t.createdAt),
  ],
);

/** What was bought, frozen at checkout: names and prices as they were then. */
export const orderLines = sqliteTable(
  "order_lines",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    sku: text("sku").notNull(),
    productId: text("product_id"),
    name: text("name").notNull(),
    variantTitle: text("variant_title").notNull(),
    unitPrice: integer("unit_price").notNull(),
    quantity: integer("quantity").notNull(),
    lineTotal: integer("line_total").notNull(),
    /** The inventory hold id (`<orderId>:<sku>`). */
    holdId: text("hold_id").notNull(),
  },
  (t) => [index("order_lines_order_idx").on(t.orderId)],
);

/** The order's timeline: every status change with time, actor and note. */
export const orderEvents = sqliteTable(
  "order_events",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    status: text("status", { enum: ORDER_STATUSES }).notNull(),
    actor: text("actor").notNull(),
    note: text("note"),
    at: text("at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("order_events_order_idx").on(t.orderId, t.at)],
);
