import { z } from "zod";

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
      items: z.array(z.object({ name: z.string(), variantTitle: z.string(), quantity: z.number().int(), lineTotal: z.number().int() })).optional(),
      /** Optional breakdown shown above the total (all in minor units of `currency`). */
      subtotal: z.number().int().optional(),
      shippingTotal: z.number().int().optional(),
      taxTotal: z.number().int().optional(),
      dutiesTotal: z.number().int().optional(),
      discountTotal: z.number().int().optional(),
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
      /** Optional delivery estimate as the shopper should read it, e.g. "Thu 3 Dec – Mon 7 Dec". */
      estimatedDelivery: z.string().optional(),
    }),
  }),
  z.object({ id: z.string().min(8), template: z.literal("order_delivered"), to: z.email(), data: z.object({ number: z.string(), url: z.string() }) }),
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
  // Sent to every admin: the consumer fans it out, one outbox row per admin.
  z.object({
    id: z.string().min(8),
    template: z.literal("low_stock"),
    to: z.literal("admins"),
    data: z.object({ sku: z.string(), available: z.number().int(), threshold: z.number().int() }),
  }),
]);
export type EmailMessage = z.infer<typeof EmailMessage>;
