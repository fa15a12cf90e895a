import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    /** Estimated import duties (already inside grandTotal when charged at checkout). */
    dutiesTotal: integer("duties_total").notNull().default(0),
    /** 1 when the country shows prices tax-inclusive (VAT/GST), so taxTotal is "included" rather than added. */
    taxInclusive: integer("tax_inclusive").notNull().default(0),
    /** The tax's name in that country ("VAT", "GST", "Sales tax"), for the tax line. */
    taxLabel: text("tax_label").notNull().default("Tax"),
    /** Currency the shopper browsed in, and its rate to the base currency (×1,000,000) at checkout. */
    displayCurrency: text("display_currency"),
    displayRateMicros: integer("display_rate_micros"),
    deliveryMinDays: integer("delivery_min_days"),
    deliveryMaxDays: integer("delivery_max_days"),
    shippingAddressEnc: text("shipping_address_enc").notNull(),
    /** SHA-256 of the token in a guest's order link. */
    accessTokenHash: text("access_token_hash").notNull(),
    /** Bumped when a guest's link is revoked or renewed: every earlier link stops working (worker/orders/access.ts). */
    accessLinkVersion: integer("access_link_version").notNull().default(0),
    /** When the current guest link was issued (null: at checkout); it expires `guestLinkDays` later. */
    accessLinkIssuedAt: text("access_link_issued_at"),
    holdsExpireAt: integer("holds_expire_at").notNull(),
    /** 1 while the order's units are counted in products.sold_count (paid and not cancelled or fully refunded). */
    soldCounted: integer("sold_counted").notNull().default(0),
    /** While pending payment: JSON list of the open-order limiter keys this order counts against (worker/orders/hold-limits.ts); cleared when it stops waiting. */
    holdSlots: text("hold_slots"),
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
    /**
     * The part of the order's discounts allocated to this line, in minor units (largest remainder, so the
     * lines' shares add up to `orders.discount_total`). What the shopper paid for the line is
     * `line_total - discount_total`; refunds, returns and commissions prorate from it.
     */
    discountTotal: integer("discount_total").notNull().default(0),
    /** The inventory hold id (`<orderId>:<sku>`). */
    holdId: text("hold_id").notNull(),
    /** The seller of the line when checkout placed it (null: the store's own), and the vendor order that ships it. */
    vendorId: text("vendor_id"),
    vendorOrderId: text("vendor_order_id"),
    /** The commission rule applied at checkout (a vendor's line), its terms then, and what it took of the line. */
    commissionRuleId: text("commission_rule_id"),
    commissionBps: integer("commission_bps"),
    commissionFixed: integer("commission_fixed"),
    commissionTotal: integer("commission_total").notNull().default(0),
  },
  (t) => [index("order_lines_order_idx").on(t.orderId), index("order_lines_vendor_order_idx").on(t.vendorOrderId)],
);

export const ORDER_EVENT_KINDS = ["status", "note", "shipment", "tracking", "refund", "payment"] as const;

/**
 * The order's timeline: every status change with time, actor and note, plus
 * notes, shipments and tracking updates. `status` is the order's status after
 * the event; `internal` rows (staff notes) are never shown to the shopper.
 */
export const orderEvents = sqliteTable(
  "order_events",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ORDER_EVENT_KINDS }).notNull().default("status"),
    internal: integer("internal").notNull().default(0),
    status: text("status", { enum: ORDER_STATUSES }).notNull(),
    actor: text("actor").notNull(),
    note: text("note"),
    at: text("at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("order_events_order_idx").on(t.orderId, t.at)],
);

export const SHIPMENT_STATUSES = ["label_created", "in_transit", "out_for_delivery", "delivered", "exception", "returned"] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** A parcel: an order may ship in several. Tracking updates move `status` forward only. */
export const shipments = sqliteTable(
  "shipments",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    carrier: text("carrier").notNull(),
    trackingNumber: text("tracking_number").notNull(),
    trackingUrl: text("tracking_url"),
    status: text("status", { enum: SHIPMENT_STATUSES }).notNull().default("label_created"),
    /** Time of the newest carrier event applied (events older than it never move the status back). */
    lastEventAt: text("last_event_at"),
    shippedAt: text("shipped_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    deliveredAt: text("delivered_at"),
    createdBy: text("created_by").notNull(),
  },
  (t) => [index("shipments_order_idx").on(t.orderId), uniqueIndex("shipments_tracking_uq").on(t.carrier, t.trackingNumber)],
);

/** Which order lines (and how many of each) a shipment carries. */
export const shipmentLines = sqliteTable(
  "shipment_lines",
  {
    shipmentId: text("shipment_id")
      .notNull()
      .references(() => shipments.id, { onDelete: "cascade" }),
    orderLineId: text("order_line_id")
      .notNull()
      .references(() => orderLines.id, { onDelete: "cascade" }),
    quantity: integer("quantity").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shipmentId, t.orderLineId] }), index("shipment_lines_line_idx").on(t.orderLineId)],
);

/**
 * Carrier tracking events already received, keyed `<carrier>:<event id>`: a
 * webhook delivered twice inserts nothing the second time.
 */
export const trackingEvents = sqliteTable(
  "tracking_events",
  {
    id: text("id").primaryKey(),
    carrier: text("carrier").notNull(),
    shipmentId: text("shipment_id"),
    trackingNumber: text("tracking_number").notNull(),
    status: text("status", { enum: SHIPMENT_STATUSES }).notNull(),
    description: text("description"),
    location: text("location"),
    occurredAt: text("occurred_at").notNull(),
    /** 0 when it arrived after a newer event and changed nothing. */
    applied: integer("applied").notNull().default(0),
    receivedAt: text("received_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("tracking_events_shipment_idx").on(t.shipmentId, t.occurredAt)],
);

export const VENDOR_ORDER_STATUSES = ["pending_payment", "paid", "shipped", "delivered", "cancelled"] as const;
export type VendorOrderStatus = (typeof VENDOR_ORDER_STATUSES)[number];

/**
 * One seller's part of a marketplace order: the lines of one vendor, shipped by that vendor in its own parcel
 * with its own shipping price (quoted for its group at checkout). The shopper pays the order once; the order is
 * delivered when every parcel (so every vendor order) is. The store's own lines have no vendor order.
 */
export const vendorOrders = sqliteTable(
  "vendor_orders",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    vendorId: text("vendor_id").notNull(),
    status: text("status", { enum: VENDOR_ORDER_STATUSES }).notNull().default("pending_payment"),
    currency: text("currency").notNull(),
    /** Sum of the group's line totals, its share of the order's discounts, and its shipping price (minor units). */
    subtotal: integer("subtotal").notNull(),
    discountTotal: integer("discount_total").notNull().default(0),
    shippingTotal: integer("shipping_total").notNull(),
    /** This part's share of the order's tax (the store collects and remits all tax). */
    taxTotal: integer("tax_total").notNull().default(0),
    /** What the vendor earns before commission: goods and shipping paid, without tax. */
    grossTotal: integer("gross_total").notNull().default(0),
    /** What the store keeps: the lines' commissions plus the shipping's. */
    commissionTotal: integer("commission_total").notNull().default(0),
    /** The parcel the vendor shipped (a row of `shipments`). */
    shipmentId: text("shipment_id"),
    shippedAt: text("shipped_at"),
    deliveredAt: text("delivered_at"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    uniqueIndex("vendor_orders_order_vendor_uq").on(t.orderId, t.vendorId),
    index("vendor_orders_vendor_idx").on(t.vendorId, t.createdAt),
    index("vendor_orders_shipment_idx").on(t.shipmentId),
  ],
);
