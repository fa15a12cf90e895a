import { and, asc, desc, eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { decryptPii } from "../lib/pii-crypto";
import { payments } from "../payments/tables";
import { type OrderStatus, orderEvents, orderLines, orders } from "./tables";

export type OrderRow = typeof orders.$inferSelect;

/** Status changes an order may make; anything else is refused. */
const NEXT: Record<OrderStatus, OrderStatus[]> = {
  pending_payment: ["paid", "cancelled"],
  paid: ["fulfilling", "cancelled", "refunded", "partially_refunded"],
  fulfilling: ["shipped", "cancelled", "refunded", "partially_refunded"],
  shipped: ["delivered", "refunded", "partially_refunded"],
  delivered: ["refunded", "partially_refunded"],
  partially_refunded: ["fulfilling", "shipped", "delivered", "refunded", "partially_refunded"],
  cancelled: [],
  refunded: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/**
 * The statement that moves an order from `from` to `to` (only if it is still
 * in `from`) and its timeline row, for a caller's `db.batch()`.
 */
export function transitionStatements(d1: D1Database, orderId: string, from: OrderStatus, to: OrderStatus, actor: string, note: string | null) {
  if (!canTransition(from, to)) throw new AppError("orders.invalid_transition", 409, `An order that is ${from} cannot become ${to}.`);
  const db = getDb(d1);
  const now = new Date().toISOString();
  return [
    db
      .update(orders)
      .set({ status: to, updatedAt: now })
      .where(and(eq(orders.id, orderId), eq(orders.status, from))),
    db.insert(orderEvents).values({ id: newId("oev"), orderId, status: to, actor, note, at: now }),
  ] as const;
}

const addressContext = (orderId: string) => `orders.shipping_address:${orderId}`;

export { addressContext as orderAddressContext };

/** One order as its owner sees it: lines, totals, timeline, payment state. */
export async function orderDetail(env: Env, order: OrderRow) {
  const db = getDb(env.DB);
  const [lines, events, pays] = await db.batch([
    db.select().from(orderLines).where(eq(orderLines.orderId, order.id)),
    db.select().from(orderEvents).where(eq(orderEvents.orderId, order.id)).orderBy(asc(orderEvents.at)),
    db.select().from(payments).where(eq(payments.orderId, order.id)).orderBy(desc(payments.createdAt)),
  ]);
  const money = (amount: number) => ({ amount, currency: order.currency });
  const payment = pays[0];
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    email: order.email,
    createdAt: order.createdAt,
    lines: lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      variantTitle: l.variantTitle,
      quantity: l.quantity,
      unitPrice: money(l.unitPrice),
      lineTotal: money(l.lineTotal),
    })),
    totals: {
      subtotal: money(order.subtotal),
      shipping: money(order.shippingTotal),
      tax: money(order.taxTotal),
      discount: money(order.discountTotal),
      grandTotal: money(order.grandTotal),
      refunded: money(order.refundedTotal),
    },
    shippingOption: order.shippingOption,
    shippingAddress: JSON.parse(await decryptPii(env.PII_KEYS, order.shippingAddressEnc, addressContext(order.id))) as Record<string, string | null>,
    timeline: events.map((e) => ({ status: e.status, at: e.at, actor: e.actor, note: e.note })),
    payment: payment ? { provider: payment.provider, status: payment.status, redirectUrl: payment.status === "pending" ? payment.redirectUrl : null } : null,
  };
}
export type OrderDetail = Awaited<ReturnType<typeof orderDetail>>;

/** The caller's own order; another user's order is answered 404 like a missing one. */
export async function getOrderForUser(env: Env, userId: string, orderId: string): Promise<OrderRow> {
  const order = await getDb(env.DB)
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)))
    .get();
  if (!order) throw new AppError("orders.not_found", 404, "No such order.");
  return order;
}

/** A guest's order through the signed link of the confirmation email. */
export async function getOrderByAccessToken(env: Env, orderId: string, tokenHash: string): Promise<OrderRow> {
  const order = await getDb(env.DB)
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.accessTokenHash, tokenHash)))
    .get();
  if (!order) throw new AppError("orders.not_found", 404, "No such order.");
  return order;
}

export async function listOrdersForUser(env: Env, userId: string, page: number, perPage: number) {
  const db = getDb(env.DB);
  const [rows, [count]] = await db.batch([
    db
      .select()
      .from(orders)
      .where(eq(orders.userId, userId))
      .orderBy(desc(orders.createdAt))
      .limit(perPage)
      .offset((page - 1) * perPage),
    db.select({ n: sql<number>`count(*)` }).from(orders).where(eq(orders.userId, userId)),
  ]);
  return {
    items: rows.map((o) => ({
      id: o.id,
      number: o.number,
      status: o.status,
      createdAt: o.createdAt,
      grandTotal: { amount: o.grandTotal, currency: o.currency },
    })),
    total: count?.n ?? 0,
    page,
    perPage,
  };
}
