import { z } from "@hono/zod-openapi";
import { MoneySchema, PaginationQuery, pageSchema } from "../lib/openapi";
import { COMMISSION_SCOPES, PAYOUT_METHODS, PAYOUT_STATUSES } from "../vendors/tables";
import { ORDER_EVENT_KINDS, ORDER_STATUSES, SHIPMENT_STATUSES, VENDOR_ORDER_STATUSES } from "./tables";

const note = z.string().trim().max(500, "At most 500 characters");

export const CancelOrderBody = z
  .object({ reason: z.string().trim().max(200, "At most 200 characters").optional().openapi({ description: "Why (shown on the timeline)." }) })
  .strict()
  .openapi("CancelOrderBody");
export type CancelOrderBody = z.infer<typeof CancelOrderBody>;

/** A guest's order link replaced by staff: `send` emails the new link to the order's address (default). */
export const ReplaceGuestLinkBody = z
  .object({ send: z.boolean().default(true).openapi({ description: "Email the new link to the order's address (default true)." }) })
  .strict()
  .openapi("ReplaceGuestLinkBody");
export type ReplaceGuestLinkBody = z.infer<typeof ReplaceGuestLinkBody>;

/** A guest asks for a new link to an order by typing its email address. */
export const RenewGuestLinkBody = z
  .object({ email: z.email("An email address").max(254).openapi({ description: "The address the order was placed with." }) })
  .strict()
  .openapi("RenewGuestLinkBody");
export type RenewGuestLinkBody = z.infer<typeof RenewGuestLinkBody>;

export const GuestLinkChangeSchema = z
  .object({
    orderId: z.string(),
    linkVersion: z.int().openapi({ description: "Every link of a lower version stopped working." }),
    expiresAt: z.string().openapi({ description: "When the new link stops working (ISO 8601)." }),
    sent: z.boolean().openapi({ description: "Whether the new link was emailed to the order's address." }),
  })
  .openapi("GuestLinkChange");

export const AdminCancelBody = z
  .object({ reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(200, "At most 200 characters") })
  .strict()
  .openapi("AdminCancelBody");

export const RefundBody = z
  .object({
    amount: z.number().int("Expected whole minor units").positive().optional().openapi({ description: "Minor units; omit for everything not yet refunded." }),
    reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(200),
  })
  .strict()
  .openapi("RefundBody");

export const StatusNoteBody = z.object({ note: note.optional() }).strict().openapi("StatusNoteBody");

export const OrderNoteBody = z
  .object({
    note: z.string().trim().min(1, "Write a note").max(500, "At most 500 characters"),
    internal: z.boolean().default(true).openapi({ description: "Staff only (default); false shows it to the shopper." }),
  })
  .strict()
  .openapi("OrderNoteBody");

export const CreateShipmentBody = z
  .object({
    carrier: z
      .string()
      .trim()
      .min(2, "Name the carrier")
      .max(40)
      .openapi({ example: "UPS", description: "UPS, USPS, FedEx, DHL, Royal Mail, Canada Post (tracking URL built) or any other name." }),
    trackingNumber: z
      .string()
      .trim()
      .min(4, "At least 4 characters")
      .max(64)
      .regex(/^[A-Za-z0-9 -]+$/, "Letters, digits, spaces and dashes only"),
    trackingUrl: z
      .url({ protocol: /^https?$/, message: "An http(s) URL" })
      .max(500)
      .optional(),
    lines: z
      .array(z.object({ orderLineId: z.string().max(64), quantity: z.number().int().positive() }).strict())
      .max(100)
      .optional()
      .openapi({ description: "What this parcel carries; omit to ship everything not shipped yet." }),
  })
  .strict()
  .openapi("CreateShipmentBody");
export type CreateShipmentBody = z.infer<typeof CreateShipmentBody>;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, "A date (YYYY-MM-DD)")
  .optional();

export const AdminOrderQuery = z
  .object({
    status: z.enum(ORDER_STATUSES).optional(),
    from: isoDate.openapi({ description: "Placed on or after (UTC date)." }),
    to: isoDate.openapi({ description: "Placed on or before (UTC date, inclusive)." }),
    q: z.string().trim().max(100).optional().openapi({ description: "Customer email (part of it) or order number." }),
    minTotal: z.coerce.number().int().min(0).optional().openapi({ description: "Minor units." }),
    maxTotal: z.coerce.number().int().min(0).optional().openapi({ description: "Minor units." }),
    ...PaginationQuery,
  })
  .strict();
export type AdminOrderQuery = z.infer<typeof AdminOrderQuery>;

export const OrderChange = z.object({ orderId: z.string(), status: z.enum(ORDER_STATUSES) }).openapi("OrderChange");

/** What a parcel says of itself: carrier, tracking and where it is (a shipment, and a vendor order's parcel). */
const parcelFields = {
  carrier: z.string(),
  carrierName: z.string(),
  trackingNumber: z.string(),
  trackingUrl: z.string().nullable(),
  status: z.enum(SHIPMENT_STATUSES),
  shippedAt: z.string(),
  deliveredAt: z.string().nullable(),
};

export const ShipmentView = z
  .object({
    id: z.string(),
    ...parcelFields,
    lastEventAt: z.string().nullable(),
    lines: z.array(z.object({ orderLineId: z.string(), name: z.string(), quantity: z.number().int() })),
  })
  .openapi("Shipment");

export const TimelineEntry = z
  .object({
    kind: z.enum(ORDER_EVENT_KINDS),
    status: z.enum(ORDER_STATUSES),
    at: z.string(),
    by: z.string().openapi({ description: "Who: You, Store, Payment or the carrier." }),
    note: z.string().nullable(),
  })
  .openapi("TimelineEntry");

export const OrderTracking = z
  .object({
    id: z.string(),
    number: z.string(),
    status: z.enum(ORDER_STATUSES),
    statusText: z.string(),
    final: z.boolean().openapi({ description: "Nothing will change any more: stop polling." }),
    cancellable: z.boolean(),
    updatedAt: z.string(),
    refunded: MoneySchema,
    timeline: z.array(TimelineEntry),
    shipments: z.array(ShipmentView),
  })
  .openapi("OrderTracking");
export type OrderTracking = z.infer<typeof OrderTracking>;

/** The generic signed tracking event (`POST /api/webhooks/shipping/:carrier` for any carrier but easypost). */
export const GenericTrackingEvent = z
  .object({
    eventId: z.string().min(1).max(100),
    trackingNumber: z.string().min(1).max(64),
    status: z.enum(["in_transit", "out_for_delivery", "delivered", "exception"]),
    occurredAt: z.iso.datetime({ offset: true }),
    description: z.string().max(300).optional(),
    location: z.string().max(120).optional(),
  })
  .strict()
  .openapi("GenericTrackingEvent");

export const OrderTotals = z
  .object({
    subtotal: MoneySchema,
    shipping: MoneySchema,
    tax: MoneySchema.openapi({ description: "The order's tax; included in subtotal and shipping when `tax.inclusive`, else added on top." }),
    duties: MoneySchema.openapi({ description: "Estimated import duties charged with the order (part of grandTotal)." }),
    discount: MoneySchema,
    grandTotal: MoneySchema.openapi({
      description: "What was charged: subtotal + shipping + tax (only when not inclusive) + duties − discount.",
    }),
    refunded: MoneySchema,
  })
  .openapi("OrderTotals");

export const OrderTax = z
  .object({
    label: z.string().openapi({ example: "VAT", description: "The tax's name in the shipping country (VAT, GST, Sales tax…)." }),
    inclusive: z.boolean().openapi({ description: "True when catalog prices already include it: show it as “Includes VAT”, not as an added line." }),
  })
  .openapi("OrderTax");

/** `GET /api/orders/{id}`: one order as its owner (or a guest with the emailed token) sees it. */
export const OrderDetailView = z
  .object({
    id: z.string(),
    number: z.string(),
    status: z.enum(ORDER_STATUSES),
    email: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lines: z.array(
      z.object({
        id: z.string(),
        sku: z.string(),
        name: z.string(),
        variantTitle: z.string(),
        quantity: z.number().int(),
        unitPrice: MoneySchema,
        lineTotal: MoneySchema,
        /** The line's share of the order's discounts and points (what was paid for it = lineTotal − discount). */
        discount: MoneySchema,
      }),
    ),
    totals: OrderTotals,
    /** What made up `totals.discount`: each promotion (with the code typed, if any) and the points redeemed. */
    savings: z.object({
      promotions: z.array(z.object({ name: z.string(), code: z.string().nullable(), amount: MoneySchema })),
      points: z.object({ points: z.number().int(), value: MoneySchema }).nullable(),
    }),
    tax: OrderTax,
    shippingOption: z.string(),
    shippingAddress: z.record(z.string(), z.string().nullable()),
    timeline: z.array(TimelineEntry),
    shipments: z.array(ShipmentView),
    cancellable: z.boolean(),
    payment: z.object({ provider: z.string(), status: z.string(), redirectUrl: z.string().nullable() }).nullable(),
  })
  .openapi("Order");

/** `GET /api/orders`: a page of the caller's orders. */
export const OrderPage = pageSchema(
  z.object({
    id: z.string(),
    number: z.string(),
    status: z.enum(ORDER_STATUSES),
    createdAt: z.string(),
    itemCount: z.number().int(),
    grandTotal: MoneySchema,
  }),
  "OrderPage",
);

export const TestPaymentResult = z.object({ orderStatus: z.string() });

/** `GET /api/admin/orders`: a page of orders for staff. */
export const AdminOrderPage = pageSchema(
  z.object({
    id: z.string(),
    number: z.string(),
    status: z.enum(ORDER_STATUSES),
    email: z.string(),
    customerId: z.string().nullable(),
    createdAt: z.string(),
    itemCount: z.number().int(),
    shippingCountry: z.string(),
    grandTotal: MoneySchema,
    refunded: MoneySchema,
  }),
  "AdminOrderPage",
);

/** The one parcel of a vendor order (`parcelView`), as its vendor and staff read it; inlined where it is used. */
const VendorParcel = z.object(parcelFields);

/** A seller's part of an order as staff see it; `commission` and `money` need the `vendors` permission. */
export const AdminSellerPart = z
  .object({
    vendorOrderId: z.string(),
    vendor: z.object({ id: z.string(), name: z.string(), handle: z.string() }),
    status: z.enum(VENDOR_ORDER_STATUSES),
    shipping: MoneySchema.openapi({ description: "The shipping the shopper paid for this seller's parcel (quoted for its group at checkout)." }),
    shipment: VendorParcel.nullable(),
    shippedAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    lines: z.array(
      z.object({
        orderLineId: z.string(),
        sku: z.string(),
        name: z.string(),
        variantTitle: z.string(),
        quantity: z.number().int(),
        paid: MoneySchema.openapi({ description: "What the shopper paid for the line after discounts, without tax." }),
        commission: z
          .object({
            ruleId: z.string().nullable().openapi({ description: "The rule applied at checkout (null: no rule, no commission)." }),
            scope: z.enum(COMMISSION_SCOPES).nullable().openapi({ description: "The rule's scope, while the rule still exists." }),
            kind: z.enum(["percent", "fixed"]).nullable(),
            rateBps: z.number().int().nullable().openapi({ description: "The rate as frozen on the line, in basis points (percent rules)." }),
            fixedPerUnit: z.union([MoneySchema, z.null()]).openapi({ description: "The fee per unit as frozen on the line (fixed rules)." }),
            amount: MoneySchema,
            net: MoneySchema.openapi({ description: "paid − commission: what the seller earns on the line." }),
          })
          .nullable(),
      }),
    ),
    money: z
      .object({
        goods: MoneySchema,
        tax: MoneySchema.openapi({ description: "This part's share of the order's tax, which the store collects and remits." }),
        sales: MoneySchema.openapi({ description: "What the seller earns before commission: goods and shipping, without tax." }),
        commission: MoneySchema.openapi({ description: "The lines' commissions plus the shipping's, as frozen at checkout." }),
        shippingCommission: MoneySchema,
        net: MoneySchema.openapi({ description: "sales − commission." }),
        refunded: MoneySchema.openapi({ description: "What refunds took back from the seller so far (its ledger's refund entries)." }),
        commissionRefunded: MoneySchema,
        state: z.enum(["awaiting_payment", "held", "payable", "paid", "reversed"]).openapi({
          description:
            "held: until the parcel is delivered and the hold period has run (heldUntil once delivered); payable: in the next payout run; paid: carried by `payout`; reversed: cancelled or refunded in full.",
        }),
        heldUntil: z.string().nullable(),
        payout: z
          .object({ id: z.string(), status: z.enum(PAYOUT_STATUSES), provider: z.enum(PAYOUT_METHODS), createdAt: z.string(), paidAt: z.string().nullable() })
          .nullable(),
      })
      .nullable(),
  })
  .openapi("AdminSellerPart");

/** The marketplace side of an order (null when it has no vendor lines). */
export const AdminOrderMarketplace = z
  .object({
    holdDays: z.number().int().nullable().openapi({ description: "The payout hold after delivery, in days (with the `vendors` permission)." }),
    sellers: z.array(AdminSellerPart),
    store: z
      .object({
        goods: MoneySchema.openapi({ description: "The store's own lines, after discounts." }),
        commissions: MoneySchema,
        commissionsRefunded: MoneySchema,
        shipping: MoneySchema.openapi({ description: "Shipping of the store's own parcel (the order's shipping less the sellers')." }),
        tax: MoneySchema.openapi({ description: "Tax and duties the store collected and remits." }),
      })
      .nullable(),
  })
  .openapi("AdminOrderMarketplace");

/** `GET /api/admin/orders/{id}`: the order as its owner sees it, plus what staff need to act on it. */
export const AdminOrderView = OrderDetailView.extend({
  timeline: z.array(
    z.object({
      kind: z.enum(ORDER_EVENT_KINDS),
      internal: z.boolean(),
      status: z.enum(ORDER_STATUSES),
      at: z.string(),
      actor: z.string().openapi({ description: "The stored actor: customer:<id>, admin:<id>, guest, payment:<provider>, carrier:<name> or system." }),
      by: z.string().openapi({ description: "The actor as staff read it (an email, Guest, the provider or carrier)." }),
      note: z.string().nullable(),
    }),
  ),
  customer: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  payments: z.array(
    z.object({
      id: z.string(),
      provider: z.enum(["test", "stripe"]),
      status: z.string(),
      amount: MoneySchema,
      refunded: MoneySchema,
      providerPaymentId: z.string().nullable(),
      failureReason: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
  toShip: z.array(z.object({ orderLineId: z.string(), sku: z.string(), name: z.string(), remaining: z.number().int() })),
  refundable: MoneySchema,
  actions: z.object({ fulfil: z.boolean(), ship: z.boolean(), deliver: z.boolean(), cancel: z.boolean(), refund: z.boolean() }),
  marketplace: AdminOrderMarketplace.nullable(),
}).openapi("AdminOrder");
export type AdminOrderView = z.infer<typeof AdminOrderView>;
export type OrderNoteBody = z.infer<typeof OrderNoteBody>;
export type AdminCancelBody = z.infer<typeof AdminCancelBody>;
export type RefundBody = z.infer<typeof RefundBody>;
export type StatusNoteBody = z.infer<typeof StatusNoteBody>;

// Marketplace: a seller's part of an order, as its vendor sees it (`/api/vendor/orders`).

export const VendorOrderQuery = z
  .object({ status: z.enum(VENDOR_ORDER_STATUSES).optional().openapi({ description: "Only vendor orders in this status." }), ...PaginationQuery })
  .strict();
export type VendorOrderQuery = z.infer<typeof VendorOrderQuery>;

export const VendorOrderSummary = z
  .object({
    id: z.string(),
    orderNumber: z.string(),
    status: z.enum(VENDOR_ORDER_STATUSES),
    createdAt: z.string(),
    itemCount: z.number().int(),
    goods: MoneySchema.openapi({ description: "What the shopper paid for this vendor's lines (after discounts)." }),
    shipping: MoneySchema,
  })
  .openapi("VendorOrderSummary");

export const VendorOrderPage = pageSchema(VendorOrderSummary, "VendorOrderPage");

export const VendorShipTo = z
  .object({
    fullName: z.string(),
    company: z.string().nullable(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string(),
  })
  .openapi("VendorShipTo", { description: "Where to send the parcel: name and postal address only." });

export const VendorOrderView = z
  .object({
    id: z.string(),
    orderNumber: z.string(),
    status: z.enum(VENDOR_ORDER_STATUSES),
    createdAt: z.string(),
    shippingOption: z.string(),
    shipTo: VendorShipTo,
    lines: z.array(
      z.object({
        id: z.string(),
        sku: z.string(),
        name: z.string(),
        variantTitle: z.string(),
        quantity: z.number().int(),
        unitPrice: MoneySchema,
        lineTotal: MoneySchema,
        discount: MoneySchema,
      }),
    ),
    goods: MoneySchema,
    shipping: MoneySchema,
    shipment: VendorParcel.nullable(),
    shippedAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
  })
  .openapi("VendorOrderView");

export const ShipVendorOrderBody = CreateShipmentBody.omit({ lines: true }).openapi("ShipVendorOrderBody");
export type ShipVendorOrderBody = z.infer<typeof ShipVendorOrderBody>;
