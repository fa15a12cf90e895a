import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const RETURN_STATUSES = ["requested", "approved", "rejected", "in_transit", "received", "refunded", "exchanged", "closed"] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const RETURN_RESOLUTIONS = ["refund", "exchange"] as const;
export type ReturnResolution = (typeof RETURN_RESOLUTIONS)[number];
export const INSPECTIONS = ["restocked", "damaged"] as const;
export type Inspection = (typeof INSPECTIONS)[number];

/**
 * A shopper's request to send items of one order back. `restockingFeeBp` and
 * `shippingPaidBy` are copied from the return settings when the request is
 * made, so a later settings change does not alter a return under way.
 */
export const returns = sqliteTable(
  "returns",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull(),
    orderId: text("order_id").notNull(),
    status: text("status", { enum: RETURN_STATUSES }).notNull().default("requested"),
    resolution: text("resolution", { enum: RETURN_RESOLUTIONS }).notNull(),
    currency: text("currency").notNull(),
    customerNote: text("customer_note"),
    rejectReason: text("reject_reason"),
    instructions: text("instructions"),
    labelUrl: text("label_url"),
    carrier: text("carrier"),
    trackingNumber: text("tracking_number"),
    restockingFeeBp: integer("restocking_fee_bp").notNull().default(0),
    shippingPaidBy: text("shipping_paid_by", { enum: ["store", "customer"] })
      .notNull()
      .default("store"),
    /** What was sent back to the shopper for this return (minor units), once refunded. */
    refundAmount: integer("refund_amount").notNull().default(0),
    /** The order line created for an exchange (zero charge), once exchanged. */
    exchangeOrderLineId: text("exchange_order_line_id"),
    requestedBy: text("requested_by").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    receivedAt: text("received_at"),
  },
  (t) => [
    uniqueIndex("returns_number_uq").on(t.number),
    index("returns_order_idx").on(t.orderId, t.createdAt),
    index("returns_status_idx").on(t.status, t.createdAt),
    index("returns_tracking_idx").on(t.trackingNumber),
  ],
);

/** What a return sends back: units of one order line, why, and (after inspection) what became of them. */
export const returnLines = sqliteTable(
  "return_lines",
  {
    id: text("id").primaryKey(),
    returnId: text("return_id")
      .notNull()
      .references(() => returns.id, { onDelete: "cascade" }),
    orderLineId: text("order_line_id").notNull(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    quantity: integer("quantity").notNull(),
    reason: text("reason").notNull(),
    note: text("note"),
    /** For an exchange: the variant of the same product the shopper wants instead. */
    exchangeSku: text("exchange_sku"),
    inspection: text("inspection", { enum: INSPECTIONS }),
    inspectionNote: text("inspection_note"),
    inspectedAt: text("inspected_at"),
    refundAmount: integer("refund_amount").notNull().default(0),
  },
  (t) => [index("return_lines_return_idx").on(t.returnId), index("return_lines_order_line_idx").on(t.orderLineId)],
);

/** The store's return rules (window, reasons, fees, what cannot be returned), one JSON value per key. */
export const returnSettings = sqliteTable("return_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedBy: text("updated_by"),
});

export const POLICY_SLUGS = ["shipping", "returns", "privacy", "terms"] as const;
export type PolicySlug = (typeof POLICY_SLUGS)[number];

/** The store's policy pages, written by staff in a small Markdown subset (rendered escaped, never as raw HTML). */
export const storePolicies = sqliteTable("store_policies", {
  slug: text("slug", { enum: POLICY_SLUGS }).primaryKey(),
  title: text("title").notNull(),
  body: text("body").notNull(),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedBy: text("updated_by"),
});

/**
 * A photo a shopper attached to a return (evidence of damage, a wrong item). The bytes are in the media
 * bucket under a private key no public route serves; only the return's owner (through the order's access
 * rule) and staff read them, through the returns routes.
 */
export const returnPhotos = sqliteTable(
  "return_photos",
  {
    id: text("id").primaryKey(),
    returnId: text("return_id")
      .notNull()
      .references(() => returns.id, { onDelete: "cascade" }),
    /** Who attached it, as the order timeline names actors (`customer:<user id>`, `guest`). */
    owner: text("owner").notNull(),
    objectKey: text("object_key").notNull(),
    contentType: text("content_type").notNull(),
    bytes: integer("bytes").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("return_photos_return_idx").on(t.returnId, t.createdAt)],
);
