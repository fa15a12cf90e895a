import { z } from "@hono/zod-openapi";

/** An EMAIL_QUEUE message. `id` is the idempotency key: the same id is sent at most once. */
export const EmailMessage = z.discriminatedUnion("template", [
  z.object({ id: z.string().min(8), template: z.literal("welcome"), to: z.email(), data: z.object({ name: z.string() }) }),
  z.object({ id: z.string().min(8), template: z.literal("verify_email"), to: z.email(), data: z.object({ name: z.string(), url: z.string() }) }),
  z.object({
    id: z.string().min(8),
    template: z.literal("password_reset"),
    to: z.email(),
    data: z.object({ name: z.string(), url: z.string(), expiresInMinutes: z.number() }),
  }),
  z.object({ id: z.string().min(8), template: z.literal("password_changed"), to: z.email(), data: z.object({ name: z.string() }) }),
  // A sign-up's one-time link (the account is created when it is followed); to an email that already has an
  // account, `account_exists` goes instead, so the sign-up's answer never tells which.
  z.object({
    id: z.string().min(8),
    template: z.literal("finish_registration"),
    to: z.email(),
    data: z.object({ name: z.string(), url: z.string(), expiresInHours: z.number().int() }),
  }),
  z.object({ id: z.string().min(8), template: z.literal("account_exists"), to: z.email(), data: z.object({ name: z.string(), url: z.string() }) }),
  z.object({
    id: z.string().min(8),
    template: z.literal("order_confirmation"),
    to: z.email(),
    data: z.object({
      number: z.string(),
      total: z.number().int(),
      currency: z.string(),
      url: z.string(),
      /** Optional detail for the receipt (filled by the order lifecycle work of issue #5). */
      items: z
        .array(
          z.object({
            name: z.string(),
            variantTitle: z.string(),
            quantity: z.number().int(),
            lineTotal: z.number().int(),
            /** A marketplace seller's name ("Sold by …"); absent for the store's own products. */
            seller: z.string().max(120).optional(),
          }),
        )
        .optional(),
      /** Optional breakdown shown above the total (all in minor units of `currency`). */
      subtotal: z.number().int().optional(),
      shippingTotal: z.number().int().optional(),
      taxTotal: z.number().int().optional(),
      /** The tax's name in the shipping country ("VAT", "GST", "Sales tax"); "Tax" when absent. */
      taxLabel: z.string().max(40).optional(),
      /** True when taxTotal is already inside the prices (VAT/GST): shown as "Includes VAT …", not added. */
      taxInclusive: z.boolean().optional(),
      dutiesTotal: z.number().int().optional(),
      discountTotal: z.number().int().optional(),
      /** "You may also like" (worker/recommendations): name, product link, price in minor units of `currency`. */
      recommended: z
        .array(z.object({ name: z.string(), url: z.string(), price: z.number().int() }))
        .max(4)
        .optional(),
      /** What made up the discount, one named line each (a promotion with its code, points redeemed); they sum to discountTotal. */
      discounts: z.array(z.object({ label: z.string(), amount: z.number().int() })).optional(),
    }),
  }),
  // Order lifecycle (issue #5). `url` is the order page; for guests it carries the signed access token.
  z.object({
    id: z.string().min(8),
    template: z.literal("payment_received"),
    to: z.email(),
    data: z.object({ number: z.string(), amount: z.number().int(), currency: z.string(), provider: z.string(), url: z.string() }),
  }),
  z.object({
    id: z.string().min(8),
    template: z.literal("order_shipped"),
    to: z.email(),
    data: z.object({
      number: z.string(),
      carrier: z.string(),
      trackingNumber: z.string(),
      trackingUrl: z.string().nullable(),
      items: z.array(z.object({ name: z.string(), quantity: z.number().int() })),
      url: z.string(),
      /** The marketplace seller that sent this parcel; absent when the store did. */
      seller: z.string().max(120).optional(),
      /** Optional delivery estimate as the shopper should read it, e.g. "Thu 3 Dec – Mon 7 Dec". */
      estimatedDelivery: z.string().optional(),
    }),
  }),
  z.object({ id: z.string().min(8), template: z.literal("order_delivered"), to: z.email(), data: z.object({ number: z.string(), url: z.string() }) }),
  // A guest's order link replaced (revoked, or renewed after it expired): the new link and how long it works.
  z.object({
    id: z.string().min(8),
    template: z.literal("order_link"),
    to: z.email(),
    data: z.object({ number: z.string(), url: z.string(), expiresInDays: z.number().int() }),
  }),
  z.object({
    id: z.string().min(8),
    template: z.literal("order_cancelled"),
    to: z.email(),
    data: z.object({ number: z.string(), refundAmount: z.number().int(), currency: z.string(), reason: z.string().nullable(), url: z.string() }),
  }),
  z.object({
    id: z.string().min(8),
    template: z.literal("order_refunded"),
    to: z.email(),
    data: z.object({ number: z.string(), amount: z.number().int(), currency: z.string(), full: z.boolean(), url: z.string() }),
  }),
  // A return's steps (requested, approved, rejected, received, closed, exchanged), to the shopper; `url` is the order page.
  z.object({
    id: z.string().min(8),
    template: z.literal("return_update"),
    to: z.email(),
    data: z.object({
      step: z.enum(["requested", "approved", "rejected", "in_transit", "received", "inspected", "closed", "exchanged"]),
      number: z.string(),
      returnNumber: z.string(),
      /** `detail`: at inspection, what became of the item ("Restocked", "Written off: …"). */
      items: z.array(z.object({ name: z.string(), quantity: z.number().int(), detail: z.string().optional() })),
      url: z.string(),
      /** Approved: how to send it back; rejected: why; closed or exchanged: a word from the store. */
      message: z.string().nullable().optional(),
      labelUrl: z.string().nullable().optional(),
      trackingNumber: z.string().nullable().optional(),
      /** Links to the store's policy pages (returns policy). */
      policyUrl: z.string().nullable().optional(),
    }),
  }),
  // A new paid order, for staff: to every active admin (fanned out like low_stock) or the staff address in Settings.
  z.object({
    id: z.string().min(8),
    template: z.literal("staff_new_order"),
    to: z.union([z.literal("admins"), z.email()]),
    data: z.object({
      number: z.string(),
      total: z.number().int(),
      currency: z.string(),
      customer: z.string(),
      items: z.array(z.object({ name: z.string(), variantTitle: z.string(), quantity: z.number().int() })),
      shippingOption: z.string(),
      country: z.string(),
      /** The order's admin page. */
      url: z.string(),
    }),
  }),
  // Help desk (issue #18): `replyTo` is the ticket's signed reply address, so answering the email adds to the ticket.
  z.object({
    id: z.string().min(8),
    template: z.literal("support_ticket_received"),
    to: z.email(),
    data: z.object({ reference: z.string(), subject: z.string(), name: z.string(), url: z.string(), replyTo: z.string().nullable() }),
  }),
  z.object({
    id: z.string().min(8),
    template: z.literal("support_reply"),
    to: z.email(),
    data: z.object({
      reference: z.string(),
      subject: z.string(),
      name: z.string(),
      body: z.string(),
      author: z.string(),
      url: z.string(),
      replyTo: z.string().nullable(),
    }),
  }),
  // After delivery, once per order line (and one reminder): `url` opens the product's review form.
  z.object({
    id: z.string().min(8),
    template: z.literal("review_request"),
    to: z.email(),
    // `guest`: the buyer has no account; the link opens the review form of that order line without signing in.
    data: z.object({ productName: z.string(), url: z.string(), reminder: z.boolean(), guest: z.boolean().optional() }),
  }),
  // Loyalty (issue #17): points about to expire after a period without activity.
  z.object({
    id: z.string().min(8),
    template: z.literal("loyalty_expiry_warning"),
    to: z.email(),
    data: z.object({ points: z.number().int(), expiresAt: z.string(), url: z.string() }),
  }),
  // Sent to every admin: the consumer fans it out, one outbox row per admin.
  z.object({
    id: z.string().min(8),
    template: z.literal("low_stock"),
    to: z.literal("admins"),
    data: z.object({ sku: z.string(), available: z.number().int(), threshold: z.number().int() }),
  }),
  // Wishlist alerts (issue #16): one per event per shopper; `unsubscribeUrl` works without signing in.
  z.object({
    id: z.string().min(8),
    template: z.literal("wishlist_back_in_stock"),
    to: z.email(),
    data: z.object({ name: z.string(), productName: z.string(), variantTitle: z.string(), url: z.string(), unsubscribeUrl: z.string() }),
  }),
  // Marketplace sellers (issue #15): each step of an application and of a vendor's standing, to its contact address.
  z.object({
    id: z.string().min(8),
    template: z.literal("vendor_update"),
    to: z.email(),
    data: z.object({
      step: z.enum(["received", "approved", "rejected", "suspended", "reinstated"]),
      vendorName: z.string(),
      reason: z.string().nullable(),
      url: z.string(),
    }),
  }),
  z.object({
    id: z.string().min(8),
    template: z.literal("vendor_invitation"),
    to: z.email(),
    data: z.object({ vendorName: z.string(), inviter: z.string(), role: z.string(), url: z.string(), expiresInDays: z.number().int() }),
  }),
  // A refund took back part of a seller's payout (a Stripe transfer reversal), to its owner and finance members.
  z.object({
    id: z.string().min(8),
    template: z.literal("vendor_payout_reversed"),
    to: z.email(),
    data: z.object({ vendorName: z.string(), amount: z.number().int(), currency: z.string(), orderNumber: z.string(), url: z.string() }),
  }),
  z.object({
    id: z.string().min(8),
    template: z.literal("wishlist_price_drop"),
    to: z.email(),
    data: z.object({
      name: z.string(),
      productName: z.string(),
      variantTitle: z.string(),
      price: z.number().int(),
      previousPrice: z.number().int(),
      currency: z.string(),
      url: z.string(),
      unsubscribeUrl: z.string(),
    }),
  }),
]);
export type EmailMessage = z.infer<typeof EmailMessage>;

// ---- Admin outbox (issue #7) ----

export const EMAIL_TEMPLATES = [
  "welcome",
  "verify_email",
  "password_reset",
  "password_changed",
  "order_confirmation",
  "payment_received",
  "order_shipped",
  "order_delivered",
  "order_cancelled",
  "order_refunded",
  "low_stock",
  "staff_new_order",
  "return_update",
  "support_ticket_received",
  "support_reply",
  "review_request",
  "wishlist_back_in_stock",
  "wishlist_price_drop",
  "vendor_update",
  "vendor_invitation",
  "vendor_payout_reversed",
  "loyalty_expiry_warning",
  "order_link",
  "finish_registration",
  "account_exists",
] as const satisfies readonly EmailMessage["template"][];

export const EMAIL_STATUS_VALUES = ["queued", "sending", "sent", "failed", "dead"] as const;

export const ListEmailsQuery = z
  .object({
    status: z.enum(EMAIL_STATUS_VALUES).optional(),
    template: z.enum(EMAIL_TEMPLATES).optional(),
    recipient: z.string().trim().max(254).optional().openapi({ description: "Part of the recipient's address (case-insensitive)." }),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    perPage: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();
export type ListEmailsQuery = z.infer<typeof ListEmailsQuery>;

export const EmailIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: "id", in: "path" }, example: "order-confirmed:ord_3k9x" }),
});

export const EmailSummary = z
  .object({
    id: z.string(),
    template: z.string(),
    to: z.string(),
    subject: z.string(),
    status: z.enum(EMAIL_STATUS_VALUES),
    attempts: z.number().int(),
    provider: z.string(),
    providerMessageId: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string().nullable(),
    sentAt: z.string().nullable(),
    /** True when an admin may re-queue it: failed or dead, with its message stored. */
    retryable: z.boolean(),
  })
  .openapi("EmailSummary");
export type EmailSummary = z.infer<typeof EmailSummary>;

export const EmailDetail = EmailSummary.extend({
  html: z.string().openapi({ description: "The rendered HTML, one-time tokens in links hidden." }),
  text: z.string(),
  data: z
    .union([z.union(EmailMessage.options.map((message) => message.shape.data)), z.null()])
    .openapi({ description: "The message's data as queued (tokens hidden): the data of its template." }),
}).openapi("EmailDetail");
export type EmailDetail = z.infer<typeof EmailDetail>;

export const EmailPage = z
  .object({ items: z.array(EmailSummary), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("EmailPage");
export type EmailPage = z.infer<typeof EmailPage>;

export const RetryEmailResult = z.object({ id: z.string(), status: z.literal("queued") }).openapi("RetryEmailResult");
