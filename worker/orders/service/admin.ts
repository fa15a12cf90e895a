import { and, asc, desc, eq, gte, inArray, like, lte, or, type SQL, sql } from "drizzle-orm";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import { paymentsOfOrder } from "../../payments";
import { parseActor } from "../actor";
import type { AdminOrderQuery } from "../schema";
import { orderEvents, orders } from "../tables";
import { adminMarketplaceOf } from "./marketplace-admin";
import { getOrder, isCancellable, NEXT, type OrderDetail, orderDetail, remainingByLine } from "./orders";

/** Staff's order list: filters by status, date placed, customer email or number, total; newest first. */
export async function listOrdersForAdmin(env: Env, q: AdminOrderQuery) {
  const db = getDb(env.DB);
  const where: SQL[] = [];
  if (q.status) where.push(eq(orders.status, q.status));
  if (q.from) where.push(gte(orders.createdAt, q.from.length === 10 ? `${q.from}T00:00:00.000Z` : q.from));
  if (q.to) where.push(lte(orders.createdAt, q.to.length === 10 ? `${q.to}T23:59:59.999Z` : q.to));
  if (q.minTotal !== undefined) where.push(gte(orders.grandTotal, q.minTotal));
  if (q.maxTotal !== undefined) where.push(lte(orders.grandTotal, q.maxTotal));
  if (q.q) {
    const term = q.q.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`);
    where.push(or(sql`${orders.email} like ${`%${term}%`} escape '\\'`, like(orders.number, `${q.q.toUpperCase()}%`)) as SQL);
  }
  const filter = where.length ? and(...where) : undefined;
  const [rows, [count]] = await db.batch([
    db
      .select({
        id: orders.id,
        number: orders.number,
        status: orders.status,
        email: orders.email,
        userId: orders.userId,
        createdAt: orders.createdAt,
        grandTotal: orders.grandTotal,
        refundedTotal: orders.refundedTotal,
        currency: orders.currency,
        shippingCountry: orders.shippingCountry,
        itemCount: sql<number>`(select coalesce(sum(ol.quantity), 0) from order_lines ol where ol.order_id = "orders"."id")`,
      })
      .from(orders)
      .where(filter)
      .orderBy(desc(orders.createdAt))
      .limit(q.perPage)
      .offset((q.page - 1) * q.perPage),
    db.select({ n: sql<number>`count(*)` }).from(orders).where(filter),
  ]);
  return {
    items: rows.map((o) => ({
      id: o.id,
      number: o.number,
      status: o.status,
      email: o.email,
      customerId: o.userId,
      createdAt: o.createdAt,
      itemCount: o.itemCount,
      shippingCountry: o.shippingCountry,
      grandTotal: { amount: o.grandTotal, currency: o.currency },
      refunded: { amount: o.refundedTotal, currency: o.currency },
    })),
    total: count?.n ?? 0,
    page: q.page,
    perPage: q.perPage,
  };
}

/**
 * One order for staff: what the shopper sees, plus internal notes, every
 * payment attempt, the customer, what is left to ship and which actions the
 * order allows now. With `sellerMoney` (staff holding the `vendors` permission) the marketplace part
 * carries commissions, seller nets, payout standing and what the store keeps; without it, only the
 * sellers' parts, their status and parcels.
 */
export async function adminOrderDetail(env: Env, orderId: string, opts: { sellerMoney?: boolean } = {}) {
  const db = getDb(env.DB);
  const order = await getOrder(env, orderId);
  const [detail, events, pays, customer, remaining, marketplace] = await Promise.all([
    orderDetail(env, order),
    db.select().from(orderEvents).where(eq(orderEvents.orderId, order.id)).orderBy(asc(orderEvents.at)),
    paymentsOfOrder(env, order.id),
    order.userId ? db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, order.userId)).get() : undefined,
    remainingByLine(env.DB, order.id),
    adminMarketplaceOf(env, order, { withMoney: opts.sellerMoney ?? false }),
  ]);
  // Who did what, by name: staff and customer ids on the timeline become their email.
  const userIdOf = (stored: string) => {
    const actor = parseActor(stored);
    return actor.kind === "admin" || actor.kind === "customer" ? actor.userId : null;
  };
  const ids = [...new Set(events.map((e) => userIdOf(e.actor)).filter((v): v is string => Boolean(v)))];
  const people = ids.length ? await db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, ids)) : [];
  const who = (stored: string) => {
    const actor = parseActor(stored);
    const email = people.find((p) => p.id === userIdOf(stored))?.email;
    if (email) return actor.kind === "admin" ? `${email} (staff)` : email;
    if (actor.kind === "guest") return "Guest (order link)";
    if (actor.kind === "payment") return `Payment provider (${actor.provider})`;
    if (actor.kind === "carrier") return `Carrier (${actor.carrier})`;
    if (actor.kind === "vendor") return `Seller (${actor.vendorId})`;
    return stored;
  };
  const captured = pays.find((p) => p.status === "succeeded" || p.status === "partially_refunded");
  const refundable = captured ? captured.amount - captured.refundedAmount : 0;
  const toShip = remaining.filter((l) => l.remaining > 0);
  const actions = {
    fulfil: NEXT[order.status].includes("fulfilling") && order.status !== "partially_refunded" && detail.shipments.length === 0,
    ship: ["paid", "fulfilling", "partially_refunded"].includes(order.status) && toShip.length > 0,
    deliver: NEXT[order.status].includes("delivered") && toShip.length === 0 && detail.shipments.length > 0,
    cancel: isCancellable(order.status, detail.shipments.length),
    refund: refundable > 0 && ["paid", "fulfilling", "shipped", "delivered", "partially_refunded"].includes(order.status),
  };
  return {
    ...(detail as OrderDetail),
    timeline: events.map((e) => ({ kind: e.kind, internal: e.internal === 1, status: e.status, at: e.at, actor: e.actor, by: who(e.actor), note: e.note })),
    customer: customer ?? null,
    payments: pays.map((p) => ({
      id: p.id,
      provider: p.provider,
      status: p.status,
      amount: { amount: p.amount, currency: p.currency },
      refunded: { amount: p.refundedAmount, currency: p.currency },
      providerPaymentId: p.providerPaymentId,
      failureReason: p.failureReason,
      createdAt: p.createdAt,
    })),
    toShip: toShip.map((l) => ({ orderLineId: l.id, sku: l.sku, name: l.name, remaining: l.remaining })),
    refundable: { amount: refundable, currency: order.currency },
    actions,
    marketplace,
  };
}
export type AdminOrderDetail = Awaited<ReturnType<typeof adminOrderDetail>>;
