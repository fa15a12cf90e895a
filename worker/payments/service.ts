import { and, eq } from "drizzle-orm";
import { clearCart } from "../cart/service";
import { getDb } from "../db/client";
import { AppError } from "../lib/errors";
import { runBatch } from "../lib/d1-batch";
import { releaseHoldSlots } from "../orders/hold-limits";
import { transitionStatements } from "../orders/service";
import { sendOrderEmail, sendStaffNewOrderEmail } from "../orders/service/emails";
import { orderLines, orders } from "../orders/tables";
import { providerFor } from "./providers";
import { paymentEvents, payments } from "./tables";

export interface PaymentOutcome {
  provider: "test" | "stripe";
  /** The provider's event id: the same id twice is handled once. */
  eventId: string;
  eventType: string;
  /** Our payment id (the test provider's page, Stripe's metadata). */
  paymentId: string;
  outcome: "succeeded" | "failed" | "expired";
  /** What the provider says it collected; checked against the order. */
  amount?: number;
  currency?: string;
  providerPaymentId?: string;
  reason?: string;
}

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

/**
 * The one code path for a verified payment event, from any provider.
 *
 * Idempotent: the event is claimed by id first, every step below is
 * idempotent (ledger commits/releases by hold id, status changes guarded by
 * the current status), so a redelivery or a crash halfway is safe to replay.
 * Succeeded: amount and currency re-checked, holds committed (an expired hold
 * is re-reserved if stock is left, else the payment is refunded), order paid,
 * cart emptied, confirmation queued. Failed or expired: holds released and
 * the order cancelled with the reason on its timeline. Either way the order
 * stops counting against its client's open-order caps.
 */
export async function applyPaymentOutcome(env: Env, outcome: PaymentOutcome, origin: string): Promise<{ applied: boolean; orderStatus: string }> {
  const db = getDb(env.DB);
  const eventKey = `${outcome.provider}:${outcome.eventId}`;
  await db
    .insert(paymentEvents)
    .values({ id: eventKey, provider: outcome.provider, type: outcome.eventType, paymentId: outcome.paymentId })
    .onConflictDoNothing();
  const claimed = await db.select().from(paymentEvents).where(eq(paymentEvents.id, eventKey)).get();
  const payment = await db.select().from(payments).where(eq(payments.id, outcome.paymentId)).get();
  if (!payment) throw new AppError("payments.not_found", 404, "No such payment.");
  const order = await db.select().from(orders).where(eq(orders.id, payment.orderId)).get();
  if (!order) throw new AppError("orders.not_found", 404, "No such order.");
  const markProcessed = () => db.update(paymentEvents).set({ processedAt: new Date().toISOString() }).where(eq(paymentEvents.id, eventKey));
  // Once the order no longer waits for payment its open-order slots go back (idempotent) and their keys are forgotten.
  const forgetHoldSlots = () => db.update(orders).set({ holdSlots: null }).where(eq(orders.id, order.id));
  if (claimed?.processedAt) return { applied: false, orderStatus: order.status };

  const lines = (await db.select().from(orderLines).where(eq(orderLines.orderId, order.id))).sort((a, b) => a.sku.localeCompare(b.sku));
  const actor = `payment:${outcome.provider}`;

  if (outcome.outcome !== "succeeded") {
    if (order.status === "pending_payment") {
      for (const line of lines) await ledger(env, line.sku).release(line.sku, line.holdId, `payment ${outcome.outcome}`);
      await releaseHoldSlots(env, order.id, order.holdSlots);
      await runBatch(env.DB, [
        forgetHoldSlots(),
        db
          .update(payments)
          .set({ status: "failed", failureReason: outcome.reason ?? outcome.outcome, updatedAt: new Date().toISOString() })
          .where(and(eq(payments.id, payment.id), eq(payments.status, "pending"))),
        ...transitionStatements(
          env.DB,
          order.id,
          "pending_payment",
          "cancelled",
          actor,
          `Payment ${outcome.outcome}${outcome.reason ? `: ${outcome.reason}` : ""}`,
        ),
        markProcessed(),
      ]);
      return { applied: true, orderStatus: "cancelled" };
    }
    await markProcessed();
    return { applied: false, orderStatus: order.status };
  }

  // Succeeded.
  if (order.status !== "pending_payment" && order.status !== "cancelled") {
    await markProcessed();
    return { applied: false, orderStatus: order.status };
  }
  const refundAndCancel = async (note: string) => {
    await providerFor(env, payment.provider).refund(env, {
      payment: { ...payment, providerPaymentId: outcome.providerPaymentId ?? payment.providerPaymentId },
      amount: outcome.amount ?? order.grandTotal,
      reason: note,
    });
    const statements = [
      db
        .update(payments)
        .set({
          status: "refunded",
          refundedAmount: outcome.amount ?? order.grandTotal,
          providerPaymentId: outcome.providerPaymentId ?? payment.providerPaymentId,
          failureReason: note,
          updatedAt: new Date().toISOString(),
        })
        .where(eq(payments.id, payment.id)),
      markProcessed(),
    ];
    if (order.status === "pending_payment") {
      for (const line of lines) await ledger(env, line.sku).release(line.sku, line.holdId, note);
      await releaseHoldSlots(env, order.id, order.holdSlots);
      await runBatch(env.DB, [
        forgetHoldSlots(),
        ...statements,
        ...transitionStatements(env.DB, order.id, "pending_payment", "cancelled", actor, `${note}; the payment was refunded`),
      ]);
    } else {
      await runBatch(env.DB, statements);
    }
    return { applied: true, orderStatus: "cancelled" };
  };
  if (order.status === "cancelled") {
    // Another event for the same payment (or the reconciliation) already gave this money back: never refund twice.
    if (payment.status === "refunded" || payment.refundedAmount >= (outcome.amount ?? order.grandTotal)) {
      await markProcessed();
      return { applied: false, orderStatus: order.status };
    }
    return refundAndCancel("Payment arrived after the order was cancelled");
  }
  if (
    (outcome.amount !== undefined && outcome.amount !== order.grandTotal) ||
    (outcome.currency !== undefined && outcome.currency.toUpperCase() !== order.currency)
  ) {
    console.error(JSON.stringify({ level: "error", msg: "payment amount mismatch", orderId: order.id, expected: order.grandTotal, got: outcome.amount }));
    return refundAndCancel("The amount paid did not match the order");
  }
  // Commit stock in a fixed order; undo what was committed if one SKU is gone.
  const committed: typeof lines = [];
  for (const line of lines) {
    const result = await ledger(env, line.sku).commit(line.sku, line.holdId, line.quantity);
    if (!result.ok) {
      for (const done of committed)
        await ledger(env, done.sku).adjust(done.sku, `${done.holdId}:undo`, done.quantity, `order ${order.number} refunded: stock gone`);
      return refundAndCancel(`${line.sku} sold out while the payment was made`);
    }
    committed.push(line);
  }
  await releaseHoldSlots(env, order.id, order.holdSlots);
  await runBatch(env.DB, [
    forgetHoldSlots(),
    db
      .update(payments)
      .set({ status: "succeeded", providerPaymentId: outcome.providerPaymentId ?? payment.providerPaymentId, updatedAt: new Date().toISOString() })
      .where(eq(payments.id, payment.id)),
    ...transitionStatements(env.DB, order.id, "pending_payment", "paid", actor, "Payment received"),
    markProcessed(),
  ]);
  await clearCart(env, order.cartId);
  // Both keyed by the order/payment: a redelivered event that got this far queues them again, and they are sent once.
  await sendOrderEmail(env, origin, order, {
    template: "order_confirmation",
    total: order.grandTotal,
    items: lines.map((l) => ({ name: l.name, variantTitle: l.variantTitle, quantity: l.quantity, lineTotal: l.lineTotal })),
    totals: {
      subtotal: order.subtotal,
      shippingTotal: order.shippingTotal,
      taxTotal: order.taxTotal,
      taxLabel: order.taxLabel,
      taxInclusive: order.taxInclusive === 1,
      dutiesTotal: order.dutiesTotal,
      discountTotal: order.discountTotal,
    },
  });
  await sendOrderEmail(env, origin, order, { template: "payment_received", key: payment.id, amount: order.grandTotal, provider: payment.provider });
  await sendStaffNewOrderEmail(env, origin, order, lines);
  return { applied: true, orderStatus: "paid" };
}
