import { and, eq, sql } from "drizzle-orm";
import { type AuditActor, auditStatement } from "../../admin/audit";
import { purgeCatalogCache } from "../../catalog/service";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { providerFor } from "../../payments/providers";
import { payments } from "../../payments/tables";
import { changesOf, runBatch } from "../batch";
import { assertTransition, getOrder, type OrderRow, timelineStatement, touchOrder, transitionStatements } from "../service";
import { type OrderStatus, orderLines, orders, shipments } from "../tables";
import { sendOrderEmail } from "./emails";
import { remainingByLine } from "./shipments";

/** Who asked for a change: the timeline's actor string, the audit actor for staff, and the origin for email links. */
export interface ChangeContext {
  actor: string;
  audit?: AuditActor;
  origin: string;
}

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);
const formatMoney = (amount: number, currency: string) => new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount / 100);

function audits(env: Env, ctx: ChangeContext, action: string, order: OrderRow, after: unknown) {
  return ctx.audit ? [auditStatement(env.DB, ctx.audit, { action, entityType: "order", entityId: order.id, before: { status: order.status }, after })] : [];
}

/** Fails with 409 when a guarded status change found the order already changed by someone else. */
function assertApplied(result: D1Result | undefined, order: OrderRow) {
  if (changesOf(result) === 0) throw new AppError("orders.conflict", 409, `Order ${order.number} changed while this was being done. Reload and try again.`);
}

/**
 * Moves an order to `to` with a timeline row, if the transition table allows
 * it (409 otherwise). Only for changes without side effects (stock, money,
 * parcels): those have their own use cases below.
 */
export async function transitionOrder(env: Env, orderId: string, to: OrderStatus, ctx: ChangeContext, note: string | null = null) {
  const order = await getOrder(env, orderId);
  assertTransition(order.status, to);
  const [moved] = await runBatch(env.DB, [
    ...transitionStatements(env.DB, order.id, order.status, to, ctx.actor, note),
    ...audits(env, ctx, `order.${to}`, order, { status: to }),
  ]);
  assertApplied(moved, order);
  return { orderId: order.id, status: to };
}

/** Staff start packing a paid order. */
export function markFulfilling(env: Env, orderId: string, ctx: ChangeContext, note?: string | null) {
  return transitionOrder(env, orderId, "fulfilling", ctx, note || null);
}

/**
 * Cancels an order that has not shipped: a pending payment's holds are
 * released; a paid order's stock goes back to the shelf through the inventory
 * ledger (idempotent by `<hold id>:cancel`) and whatever was not refunded yet
 * is refunded through the provider that took the payment (idempotency key per
 * payment and amount). Then status, refund total, timeline and audit commit
 * in one batch, and the shopper gets one cancellation email.
 */
export async function cancelOrder(env: Env, orderId: string, ctx: ChangeContext, reason: string | null) {
  const db = getDb(env.DB);
  const order = await getOrder(env, orderId);
  assertTransition(order.status, "cancelled");
  const shipped = await db.select({ n: sql<number>`count(*)` }).from(shipments).where(eq(shipments.orderId, order.id)).get();
  if ((shipped?.n ?? 0) > 0) throw new AppError("orders.already_shipped", 409, `Order ${order.number} has already shipped and can no longer be cancelled.`);
  const lines = (await db.select().from(orderLines).where(eq(orderLines.orderId, order.id))).sort((a, b) => a.sku.localeCompare(b.sku));
  const now = new Date().toISOString();
  const statements = [];
  let refundAmount = 0;

  if (order.status === "pending_payment") {
    for (const line of lines) await ledger(env, line.sku).release(line.sku, line.holdId, `order ${order.number} cancelled`);
    statements.push(
      db
        .update(payments)
        .set({ status: "failed", failureReason: "order cancelled", updatedAt: now })
        .where(and(eq(payments.orderId, order.id), eq(payments.status, "pending"))),
    );
  } else {
    const payment = await db
      .select()
      .from(payments)
      .where(and(eq(payments.orderId, order.id), sql`${payments.status} in ('succeeded', 'partially_refunded')`))
      .get();
    if (payment) {
      refundAmount = payment.amount - payment.refundedAmount;
      if (refundAmount > 0) await providerFor(env, payment.provider).refund(env, { payment, amount: refundAmount, reason: reason ?? "order cancelled" });
      statements.push(
        db
          .update(payments)
          .set({ status: "refunded", refundedAmount: payment.amount, updatedAt: now })
          .where(and(eq(payments.id, payment.id), eq(payments.refundedAmount, payment.refundedAmount))),
      );
    }
    for (const line of lines) await ledger(env, line.sku).adjust(line.sku, `${line.holdId}:cancel`, line.quantity, `order ${order.number} cancelled`);
    purgeCatalogCache();
  }
  const who = ctx.actor.startsWith("customer:") || ctx.actor === "guest" ? "by you" : "by the store";
  const note = [`Cancelled ${who}${reason ? `: ${reason}` : ""}.`, refundAmount > 0 ? `${formatMoney(refundAmount, order.currency)} refunded.` : ""]
    .filter(Boolean)
    .join(" ");
  const results = await runBatch(env.DB, [
    db
      .update(orders)
      .set({ status: "cancelled", refundedTotal: order.refundedTotal + refundAmount, updatedAt: now })
      .where(and(eq(orders.id, order.id), eq(orders.status, order.status))),
    timelineStatement(env.DB, { orderId: order.id, status: "cancelled", actor: ctx.actor, note, at: now }, true),
    ...statements,
    ...audits(env, ctx, "order.cancel", order, { status: "cancelled", refunded: refundAmount, reason }),
  ]);
  assertApplied(results[0], order);
  await sendOrderEmail(env, ctx.origin, order, { template: "order_cancelled", refundAmount, reason });
  return { orderId: order.id, status: "cancelled" as const, refunded: { amount: refundAmount, currency: order.currency } };
}

/**
 * Staff confirm delivery by hand (no carrier webhook): every parcel not yet
 * delivered is marked delivered and the order becomes delivered. Only for an
 * order whose every item has shipped.
 */
export async function markDelivered(env: Env, orderId: string, ctx: ChangeContext, note?: string | null) {
  const db = getDb(env.DB);
  const order = await getOrder(env, orderId);
  assertTransition(order.status, "delivered");
  if ((await remainingByLine(env.DB, order.id)).some((l) => l.remaining > 0))
    throw new AppError("orders.not_fully_shipped", 409, `Order ${order.number} still has items that have not shipped.`);
  const now = new Date().toISOString();
  const [moved] = await runBatch(env.DB, [
    ...transitionStatements(env.DB, order.id, order.status, "delivered", ctx.actor, note || "Delivered", now),
    db
      .update(shipments)
      .set({ status: "delivered", deliveredAt: now })
      .where(and(eq(shipments.orderId, order.id), sql`${shipments.status} <> 'delivered'`)),
    ...audits(env, ctx, "order.deliver", order, { status: "delivered" }),
  ]);
  assertApplied(moved, order);
  await sendOrderEmail(env, ctx.origin, order, { template: "order_delivered" });
  return { orderId: order.id, status: "delivered" as const };
}

/** A staff note on the timeline: internal (staff only) unless `internal` is false. */
export async function addOrderNote(env: Env, orderId: string, ctx: ChangeContext, note: string, internal = true) {
  const order = await getOrder(env, orderId);
  await runBatch(env.DB, [
    timelineStatement(env.DB, { orderId: order.id, status: order.status, actor: ctx.actor, note, kind: "note", internal }),
    ...(internal ? [] : [touchOrder(env.DB, order.id)]),
    ...audits(env, ctx, "order.note", order, { note, internal }),
  ]);
  return { orderId: order.id, status: order.status };
}
