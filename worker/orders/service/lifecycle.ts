import { and, eq, sql } from "drizzle-orm";
import { catalogChanged } from "../../catalog";
import { requireFreshSecondFactor } from "../../accounts";
import { getDb } from "../../db/client";
import { auditStatement } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { releasePoints, reverseOrderPoints } from "../../loyalty";
import { releasePromotionUses } from "../../promotions";
import { AppError } from "../../lib/errors";
import { formatMoney } from "../../lib/money";
import {
  capturedPaymentOf,
  failPaymentsOfCancelledOrderStatement,
  refundPaymentOfCancelledOrderStatement,
  refundThroughProvider,
  restoreCancelledRefundStatement,
} from "../../payments";
import { actors, isShopper } from "../actor";
import { releaseHoldSlots } from "../hold-limits";
import { soldCountStatements } from "../sold-count";
import { type OrderStatus, orderLines, orders, shipments } from "../tables";
import { sendOrderEmail } from "./emails";
import { assertTransition, type ChangeContext, getOrder, type OrderRow, remainingByLine, timelineStatement, touchOrder, transitionStatements } from "./orders";
import { vendorMoneyOf, vendorOrderFollowStatements, vendorRefundStatements } from "../vendor-order-sync";

export type { ChangeContext };

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

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
 * Cancels an order that has not shipped. The cancellation is claimed first:
 * status, timeline, audit and (for a paid order) the refund amount on the
 * payment commit in one batch guarded by the status that was read, so a
 * parcel or refund racing it is refused instead of paid or shipped twice.
 * Only then do side effects run: a pending payment's holds are released; a
 * paid order's stock goes back to the shelf through the inventory ledger
 * (idempotent by `<hold id>:cancel`) and the claimed amount is refunded
 * through the provider that took the payment (idempotency key per payment
 * and amount). If the provider fails, the claim is given back, an internal
 * note says so, and the answer is 502: the order stays cancelled and staff
 * can refund it from the admin order page. One cancellation email.
 */
export async function cancelOrder(env: Env, orderId: string, ctx: ChangeContext, reason: string | null) {
  const db = getDb(env.DB);
  const order = await getOrder(env, orderId);
  assertTransition(order.status, "cancelled");
  // A staff cancellation moves stock and money back: it needs a second factor proved within the last minutes.
  if (ctx.audit) await requireFreshSecondFactor(env, { principal: { id: ctx.audit.actorId }, sessionId: ctx.sessionId ?? "" });
  const shipped = await db.select({ n: sql<number>`count(*)` }).from(shipments).where(eq(shipments.orderId, order.id)).get();
  if ((shipped?.n ?? 0) > 0) throw new AppError("orders.already_shipped", 409, `Order ${order.number} has already shipped and can no longer be cancelled.`);
  const lines = (await db.select().from(orderLines).where(eq(orderLines.orderId, order.id))).sort((a, b) => a.sku.localeCompare(b.sku));
  const now = new Date().toISOString();
  const payment = order.status === "pending_payment" ? undefined : await capturedPaymentOf(env, order.id);
  const refundAmount = payment ? payment.amount - payment.refundedAmount : 0;
  const who = isShopper(ctx.actor) ? "by you" : "by the store";
  const note = [
    `Cancelled ${who}${reason ? `: ${reason}` : ""}.`,
    refundAmount > 0 ? `${formatMoney({ amount: refundAmount, currency: order.currency })} refunded.` : "",
  ]
    .filter(Boolean)
    .join(" ");

  const vendorMoney = refundAmount > 0 ? await vendorMoneyOf(env.DB, order.id) : [];
  // 1. Claim: nothing below runs unless the order was still in the status read above.
  const results = await runBatch(env.DB, [
    db
      .update(orders)
      .set({ status: "cancelled", refundedTotal: order.refundedTotal + refundAmount, holdSlots: null, updatedAt: now })
      .where(and(eq(orders.id, order.id), eq(orders.status, order.status))),
    timelineStatement(env.DB, { orderId: order.id, status: "cancelled", actor: ctx.actor, note, at: now }, true),
    ...(order.status === "pending_payment"
      ? [failPaymentsOfCancelledOrderStatement(env.DB, order.id, now)]
      : payment && refundAmount > 0
        ? [refundPaymentOfCancelledOrderStatement(env.DB, payment, order.id, now)]
        : []),
    ...audits(env, ctx, "order.cancel", order, { status: "cancelled", refunded: refundAmount, reason }),
    // Units of a paid order stop counting as sold.
    ...soldCountStatements(env.DB, order.id),
    ...vendorOrderFollowStatements(env.DB, order.id, "cancelled", now),
    ...(payment && refundAmount > 0 ? vendorRefundStatements(env.DB, order, vendorMoney, payment.refundedAmount, payment.refundedAmount + refundAmount) : []),
  ]);
  assertApplied(results[0], order);

  // 2. Side effects, each idempotent.
  // The order's promotion uses go back to their limits, paid or not.
  await releasePromotionUses(env, order.id);
  // Points held at checkout go back; a paid order's earned points are taken back and its redeemed ones returned.
  await releasePoints(env, order.id, "Order cancelled");
  await reverseOrderPoints(
    env,
    order.id,
    lines.map((l) => ({ sku: l.sku, paid: l.lineTotal - l.discountTotal })),
  );
  if (order.status === "pending_payment") {
    for (const line of lines) await ledger(env, line.sku).release(line.sku, line.holdId, `order ${order.number} cancelled`);
    await releaseHoldSlots(env, order.id, order.holdSlots);
  } else {
    for (const line of lines) await ledger(env, line.sku).adjust(line.sku, `${line.holdId}:cancel`, line.quantity, `order ${order.number} cancelled`);
    await catalogChanged(env.DB);
  }
  if (payment && refundAmount > 0) {
    if (changesOf(results[2]) === 0) {
      // A refund committed between our read and the claim: the payment is no longer what we read. Say so; staff refund what is left.
      await runBatch(env.DB, [
        db.update(orders).set({ refundedTotal: order.refundedTotal }).where(eq(orders.id, order.id)),
        timelineStatement(env.DB, {
          orderId: order.id,
          status: "cancelled",
          actor: actors.system,
          kind: "note",
          internal: true,
          note: "Refund not sent: the payment changed during cancellation. Refund what is left from this page.",
        }),
      ]);
      throw new AppError("orders.conflict", 409, `Order ${order.number} is cancelled, but its payment changed meanwhile: reload and refund what is left.`);
    }
    try {
      await refundThroughProvider(env, payment, refundAmount, reason ?? "order cancelled");
    } catch (err) {
      await runBatch(env.DB, [
        restoreCancelledRefundStatement(env.DB, payment),
        db.update(orders).set({ refundedTotal: order.refundedTotal }).where(eq(orders.id, order.id)),
        timelineStatement(env.DB, {
          orderId: order.id,
          status: "cancelled",
          actor: actors.system,
          kind: "note",
          internal: true,
          note: `Refund of ${formatMoney({ amount: refundAmount, currency: order.currency })} failed at the payment provider (${String(err instanceof Error ? err.message : err).slice(0, 200)}). Refund it from this page.`,
        }),
      ]);
      throw new AppError(
        "payments.refund_failed",
        502,
        `Order ${order.number} is cancelled, but the refund could not be sent yet. The store has been told and will refund it.`,
      );
    }
  }
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
