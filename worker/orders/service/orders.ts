import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { decryptPii } from "../../lib/pii-crypto";
import { paymentsOfOrder } from "../../payments";
import { pointsOfOrder } from "../../loyalty";
import { promotionsOfOrder, registerPriorOrdersCheck } from "../../promotions";
import { actorColumn, actorLabel, type TimelineActor } from "../actor";
import { carrierName } from "../carriers";
import { soldCountStatements } from "../sold-count";
import { vendorOrderFollowStatements } from "../vendor-order-sync";
import { type OrderStatus, orderEvents, orderLines, orders, shipmentLines, shipments } from "../tables";

export type OrderRow = typeof orders.$inferSelect;
export type OrderEventKind = (typeof orderEvents.$inferInsert)["kind"];

/** Who asked for a change: the timeline's actor, the audit actor for staff, and the origin for email links. */
export interface ChangeContext {
  actor: TimelineActor;
  audit?: AuditActor;
  origin: string;
  /** The staff member's session: large refunds ask it for a recent second factor (re-authentication). */
  sessionId?: string;
}

/** Status changes an order may make; anything else is refused (409). */
export const NEXT: Record<OrderStatus, OrderStatus[]> = {
  pending_payment: ["paid", "cancelled"],
  paid: ["fulfilling", "cancelled", "refunded", "partially_refunded"],
  fulfilling: ["shipped", "cancelled", "refunded", "partially_refunded"],
  shipped: ["delivered", "refunded", "partially_refunded"],
  delivered: ["refunded", "partially_refunded"],
  // A partly refunded order carries on through fulfilment (guards in the use cases check shipments).
  partially_refunded: ["fulfilling", "shipped", "delivered", "cancelled", "refunded", "partially_refunded"],
  cancelled: [],
  refunded: [],
};

/** Statuses after which nothing about the order changes any more (live pages stop polling). */
export const FINAL_STATUSES: readonly OrderStatus[] = ["delivered", "cancelled", "refunded"];

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** An order can be cancelled until its first shipment leaves. */
export function isCancellable(status: OrderStatus, shipmentCount: number): boolean {
  return canTransition(status, "cancelled") && shipmentCount === 0;
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to))
    throw new AppError("orders.invalid_transition", 409, `An order that is ${from.replace("_", " ")} cannot become ${to.replace("_", " ")}.`);
}

/**
 * A timeline row for a caller's batch. With `onlyIfChanged`, the row is
 * written only when the statement just before it in the batch changed a row
 * (SQLite `changes()`), so a status change that lost a race leaves no row.
 */
export function timelineStatement(
  d1: D1Database,
  e: { orderId: string; status: OrderStatus; actor: TimelineActor; note: string | null; kind?: OrderEventKind; internal?: boolean; at?: string; id?: string },
  onlyIfChanged = false,
) {
  return d1
    .prepare(
      `insert into order_events (id, order_id, kind, internal, status, actor, note, at) select ?, ?, ?, ?, ?, ?, ?, ? where ${onlyIfChanged ? "changes() = 1" : "1"} on conflict(id) do nothing`,
    )
    .bind(e.id ?? newId("oev"), e.orderId, e.kind ?? "status", e.internal ? 1 : 0, e.status, actorColumn(e.actor), e.note, e.at ?? new Date().toISOString());
}

/**
 * The statements that move an order from `from` to `to` (only if it is still
 * in `from`) and write its timeline row (only if it moved), for a caller's
 * `runBatch()`. Throws 409 for a transition the table refuses.
 */
export function transitionStatements(
  d1: D1Database,
  orderId: string,
  from: OrderStatus,
  to: OrderStatus,
  actor: TimelineActor,
  note: string | null,
  at?: string,
) {
  assertTransition(from, to);
  const db = getDb(d1);
  const now = at ?? new Date().toISOString();
  return [
    db
      .update(orders)
      .set({ status: to, updatedAt: now })
      .where(and(eq(orders.id, orderId), eq(orders.status, from))),
    timelineStatement(d1, { orderId, status: to, actor, note, at: now }, true),
    // After the status change: products' sold counts follow it (once, however often this batch is retried).
    ...soldCountStatements(d1, orderId),
    ...vendorOrderFollowStatements(d1, orderId, to, now),
  ] as const;
}

/** Touches the order so live pages (ETag) see a timeline change that kept the status. */
export function touchOrder(d1: D1Database, orderId: string, at = new Date().toISOString()) {
  return getDb(d1).update(orders).set({ updatedAt: at }).where(eq(orders.id, orderId));
}

const addressContext = (orderId: string) => `orders.shipping_address:${orderId}`;

export { addressContext as orderAddressContext };

/** Each order line with how many units are still to ship. */
export async function remainingByLine(d1: D1Database, orderId: string) {
  const rows = await getDb(d1)
    .select({
      id: orderLines.id,
      sku: orderLines.sku,
      name: orderLines.name,
      quantity: orderLines.quantity,
      shipped: sql<number>`coalesce((select sum(sl.quantity) from shipment_lines sl where sl.order_line_id = "order_lines"."id"), 0)`,
    })
    .from(orderLines)
    .where(eq(orderLines.orderId, orderId));
  return rows.map((r) => ({ ...r, remaining: r.quantity - r.shipped }));
}

/** The order's shipments with what each carries. */
export async function shipmentsOf(d1: D1Database, orderId: string) {
  const db = getDb(d1);
  const rows = await db.select().from(shipments).where(eq(shipments.orderId, orderId)).orderBy(asc(shipments.shippedAt));
  const lines = rows.length
    ? await db
        .select({ shipmentId: shipmentLines.shipmentId, orderLineId: shipmentLines.orderLineId, quantity: shipmentLines.quantity, name: orderLines.name })
        .from(shipmentLines)
        .innerJoin(orderLines, eq(orderLines.id, shipmentLines.orderLineId))
        .where(
          inArray(
            shipmentLines.shipmentId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  return rows.map((s) => ({
    id: s.id,
    carrier: s.carrier,
    carrierName: carrierName(s.carrier),
    trackingNumber: s.trackingNumber,
    trackingUrl: s.trackingUrl,
    status: s.status,
    shippedAt: s.shippedAt,
    deliveredAt: s.deliveredAt,
    lastEventAt: s.lastEventAt,
    lines: lines.filter((l) => l.shipmentId === s.id).map((l) => ({ orderLineId: l.orderLineId, name: l.name, quantity: l.quantity })),
  }));
}
/** One shipment of an order as `shipmentsOf` reads it. */
export type OrderShipment = Awaited<ReturnType<typeof shipmentsOf>>[number];

/** One order as its owner sees it: lines, totals, public timeline, shipments, payment state. */
export async function orderDetail(env: Env, order: OrderRow) {
  const db = getDb(env.DB);
  const [[lines, events], pays] = await Promise.all([
    db.batch([
      db.select().from(orderLines).where(eq(orderLines.orderId, order.id)),
      db
        .select()
        .from(orderEvents)
        .where(and(eq(orderEvents.orderId, order.id), eq(orderEvents.internal, 0)))
        .orderBy(asc(orderEvents.at)),
    ]),
    paymentsOfOrder(env, order.id),
  ]);
  const [promos, points] = await Promise.all([promotionsOfOrder(env, order.id), pointsOfOrder(env, order.id)]);
  const money = (amount: number) => ({ amount, currency: order.currency });
  const payment = pays[0];
  const parcels = await shipmentsOf(env.DB, order.id);
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    email: order.email,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    lines: lines.map((l) => ({
      id: l.id,
      sku: l.sku,
      name: l.name,
      variantTitle: l.variantTitle,
      quantity: l.quantity,
      unitPrice: money(l.unitPrice),
      lineTotal: money(l.lineTotal),
      discount: money(l.discountTotal),
    })),
    totals: {
      subtotal: money(order.subtotal),
      shipping: money(order.shippingTotal),
      tax: money(order.taxTotal),
      duties: money(order.dutiesTotal),
      discount: money(order.discountTotal),
      grandTotal: money(order.grandTotal),
      refunded: money(order.refundedTotal),
    },
    savings: {
      promotions: promos.filter((p) => p.amount > 0 || p.shippingAmount > 0).map((p) => ({ name: p.name, code: p.code, amount: money(p.amount) })),
      points: points ? { points: points.points, value: money(points.value) } : null,
    },
    /** How `totals.tax` reads: included in the prices (VAT/GST countries) or added on top (sales tax). */
    tax: { label: order.taxLabel, inclusive: order.taxInclusive === 1 },
    shippingOption: order.shippingOption,
    shippingAddress: JSON.parse(await decryptPii(env.PII_KEYS, order.shippingAddressEnc, addressContext(order.id))) as Record<string, string | null>,
    timeline: events.map((e) => ({ kind: e.kind, status: e.status, at: e.at, by: actorLabel(e.actor), note: e.note })),
    shipments: parcels,
    /** Whether the shopper may still cancel (nothing shipped yet). */
    cancellable: isCancellable(order.status, parcels.length),
    payment: payment ? { provider: payment.provider, status: payment.status, redirectUrl: payment.status === "pending" ? payment.redirectUrl : null } : null,
  };
}
export type OrderDetail = Awaited<ReturnType<typeof orderDetail>>;

/** Any order by id (staff and internal use), or 404. */
export async function getOrder(env: Env, orderId: string): Promise<OrderRow> {
  const order = await getDb(env.DB).select().from(orders).where(eq(orders.id, orderId)).get();
  if (!order) throw new AppError("orders.not_found", 404, "No such order.");
  return order;
}

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
      .select({
        id: orders.id,
        number: orders.number,
        status: orders.status,
        createdAt: orders.createdAt,
        grandTotal: orders.grandTotal,
        currency: orders.currency,
        itemCount: sql<number>`(select coalesce(sum(ol.quantity), 0) from order_lines ol where ol.order_id = "orders"."id")`,
      })
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
      itemCount: o.itemCount,
      grandTotal: { amount: o.grandTotal, currency: o.currency },
    })),
    total: count?.n ?? 0,
    page,
    perPage,
  };
}

export type NewOrder = typeof orders.$inferInsert & { status: "pending_payment" };
export type NewOrderLine = Omit<typeof orderLines.$inferInsert, "orderId" | "id">;

/**
 * The statements that write a new order waiting for payment: the order, its
 * lines and the first timeline row, for the checkout's batch (which commits
 * its payment with them).
 */
export function newOrderStatements(d1: D1Database, order: NewOrder, lines: NewOrderLine[], actor: TimelineActor) {
  const db = getDb(d1);
  return [
    db.insert(orders).values(order),
    // One statement per line: D1 binds at most 100 values per statement, and a line has nearly twenty (six lines in
    // one statement were already too many). The batch keeps the order and its lines one write.
    ...lines.map((l) => db.insert(orderLines).values({ ...l, id: newId("oln"), orderId: order.id })),
    db.insert(orderEvents).values({ id: newId("oev"), orderId: order.id, status: "pending_payment", actor: actorColumn(actor), note: "Order placed" }),
  ];
}

// "First order" promotions ask whether the shopper has an order that was paid (by account, else by email).
registerPriorOrdersCheck(async (env, shopper) => {
  const who = shopper.userId ? eq(orders.userId, shopper.userId) : eq(orders.email, (shopper.email ?? "").toLowerCase());
  const row = await getDb(env.DB)
    .select({ id: orders.id })
    .from(orders)
    .where(and(who, inArray(orders.status, ["paid", "fulfilling", "shipped", "delivered", "partially_refunded", "refunded"])))
    .limit(1)
    .get();
  return !!row;
});
