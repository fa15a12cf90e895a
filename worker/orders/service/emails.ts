import { inArray } from "drizzle-orm";
import { getDb } from "../../db/client";
import { storeSettings } from "../../store";
import { vendors } from "../../vendors/tables";
import { enqueueEmail } from "../../notifications";
import { orderPageUrl } from "../access";
import type { OrderRow } from "./orders";

/** Products suggested under an order confirmation (names, absolute links, prices in the order's currency). */
export type OrderEmailSuggestions = (
  env: Env,
  order: { id: string; userId: string | null },
  origin: string,
) => Promise<Array<{ name: string; url: string; price: number }>>;
let suggestForOrderEmail: OrderEmailSuggestions | null = null;

/** Lets a later domain (recommendations) put "you may also like" into the order confirmation email. */
export function registerOrderEmailSuggestions(suggest: OrderEmailSuggestions): void {
  suggestForOrderEmail = suggest;
}

/**
 * Order emails go through EMAIL_QUEUE with ids derived from what happened
 * (`order-shipped:<shipment id>`, `order-delivered:<order id>`…): the consumer
 * stores each id once, so a webhook or queue message delivered twice never
 * sends an email twice. Guests' links carry the signed order token.
 */
export async function sendOrderEmail(
  env: Env,
  origin: string,
  order: Pick<OrderRow, "id" | "number" | "email" | "userId" | "accessTokenHash" | "accessLinkVersion" | "currency">,
  email:
    | {
        template: "order_confirmation";
        total: number;
        items: { name: string; variantTitle: string; quantity: number; lineTotal: number; seller?: string }[];
        totals: {
          subtotal: number;
          shippingTotal: number;
          taxTotal: number;
          taxLabel: string;
          taxInclusive: boolean;
          dutiesTotal: number;
          discountTotal: number;
          discounts?: { label: string; amount: number }[];
        };
      }
    | { template: "payment_received"; key: string; amount: number; provider: string }
    | {
        template: "order_shipped";
        key: string;
        carrier: string;
        trackingNumber: string;
        trackingUrl: string | null;
        items: { name: string; quantity: number }[];
        seller?: string;
      }
    | { template: "order_delivered" }
    | { template: "order_cancelled"; refundAmount: number; reason: string | null }
    | { template: "order_refunded"; key: string; amount: number; full: boolean },
): Promise<void> {
  const url = await orderPageUrl(env, env.PUBLIC_ORIGIN || origin, order);
  const base = { to: order.email };
  switch (email.template) {
    case "order_confirmation": {
      // Suggestions are a nicety: the confirmation goes out without them rather than not at all.
      const recommended = await suggestForOrderEmail?.(env, order, env.PUBLIC_ORIGIN || origin).catch(() => undefined);
      return enqueueEmail(env.EMAIL_QUEUE, {
        ...base,
        id: `order-confirmed:${order.id}`,
        template: "order_confirmation",
        data: {
          number: order.number,
          total: email.total,
          currency: order.currency,
          url,
          items: email.items,
          ...email.totals,
          ...(recommended?.length ? { recommended } : {}),
        },
      });
    }
    case "payment_received":
      return enqueueEmail(env.EMAIL_QUEUE, {
        ...base,
        id: `payment-received:${email.key}`,
        template: "payment_received",
        data: { number: order.number, amount: email.amount, currency: order.currency, provider: email.provider, url },
      });
    case "order_shipped":
      return enqueueEmail(env.EMAIL_QUEUE, {
        ...base,
        id: `order-shipped:${email.key}`,
        template: "order_shipped",
        data: {
          number: order.number,
          carrier: email.carrier,
          trackingNumber: email.trackingNumber,
          trackingUrl: email.trackingUrl,
          items: email.items,
          url,
          ...(email.seller ? { seller: email.seller } : {}),
        },
      });
    case "order_delivered":
      return enqueueEmail(env.EMAIL_QUEUE, { ...base, id: `order-delivered:${order.id}`, template: "order_delivered", data: { number: order.number, url } });
    case "order_cancelled":
      return enqueueEmail(env.EMAIL_QUEUE, {
        ...base,
        id: `order-cancelled:${order.id}`,
        template: "order_cancelled",
        data: { number: order.number, refundAmount: email.refundAmount, currency: order.currency, reason: email.reason, url },
      });
    case "order_refunded":
      return enqueueEmail(env.EMAIL_QUEUE, {
        ...base,
        id: `order-refunded:${email.key}`,
        template: "order_refunded",
        data: { number: order.number, amount: email.amount, currency: order.currency, full: email.full, url },
      });
  }
}

/**
 * Tells staff about a paid order, unless an admin turned it off in Settings:
 * to the staff address set there, else to every active admin. The id is the
 * order's (`staff-new-order:<order id>`), so a duplicate webhook that gets this
 * far queues the same message again and the consumer sends nothing more.
 */
export async function sendStaffNewOrderEmail(
  env: Env,
  origin: string,
  order: Pick<OrderRow, "id" | "number" | "email" | "grandTotal" | "currency" | "shippingOption" | "shippingCountry">,
  lines: { name: string; variantTitle: string; quantity: number }[],
): Promise<boolean> {
  const settings = await storeSettings(env);
  if (!settings.staffOrderEmails) return false;
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `staff-new-order:${order.id}`,
    template: "staff_new_order",
    to: settings.staffOrderEmailTo ?? "admins",
    data: {
      number: order.number,
      total: order.grandTotal,
      currency: order.currency,
      customer: order.email,
      items: lines.map((l) => ({ name: l.name, variantTitle: l.variantTitle, quantity: l.quantity })),
      shippingOption: order.shippingOption,
      country: order.shippingCountry,
      url: `${(env.PUBLIC_ORIGIN || origin).replace(/\/+$/, "")}/admin/orders/${order.id}`,
    },
  });
  return true;
}

/** The names of the sellers of some lines (vendor id → name), for the "Sold by" of order emails. */
export async function sellerNames(env: Env, vendorIds: (string | null)[]): Promise<Map<string, string>> {
  const ids = [...new Set(vendorIds.filter((id): id is string => !!id))];
  if (!ids.length) return new Map();
  const rows = await getDb(env.DB).select({ id: vendors.id, name: vendors.name }).from(vendors).where(inArray(vendors.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}
