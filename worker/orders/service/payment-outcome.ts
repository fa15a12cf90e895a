import { eq } from "drizzle-orm";
import { clearCart } from "../../cart";
import { getDb } from "../../db/client";
import { runBatch } from "../../lib/d1-batch";
import { commitPoints, earnOrderPoints, pointsOfOrder, releasePoints } from "../../loyalty";
import { commitPromotionUses, forgetCartCode, promotionsOfOrder, releasePromotionUses } from "../../promotions";
import { AppError } from "../../lib/errors";
import {
  activeProvider,
  applyConnectAccountEvent,
  claimPaymentEvent,
  eventProcessedStatement,
  failPendingPaymentStatement,
  findPayment,
  type PaymentOutcome,
  paymentRefundedStatement,
  paymentSucceededStatement,
  readStripeEvent,
  refundThroughProvider,
  type TestPaymentBody,
} from "../../payments";
import { actors } from "../actor";
import { releaseHoldSlots } from "../hold-limits";
import { orderLines, orders } from "../tables";
import { sellerNames, sendOrderEmail, sendStaffNewOrderEmail } from "./emails";
import { vendorMoneyOf, vendorSaleStatements } from "../vendor-order-sync";
import { transitionStatements } from "./orders";

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

/** The order's discount as named parts for the receipt (promotions with their codes, then points), when they add up to it. */
async function discountParts(env: Env, orderId: string, discountTotal: number) {
  const [promos, points] = await Promise.all([promotionsOfOrder(env, orderId), pointsOfOrder(env, orderId)]);
  const parts = [
    ...promos.filter((p) => p.amount > 0).map((p) => ({ label: p.code ? `${p.name} (code ${p.code})` : p.name, amount: p.amount })),
    ...(points ? [{ label: `Points redeemed (${points.points})`, amount: points.value }] : []),
  ];
  return parts.length && parts.reduce((s, p) => s + p.amount, 0) === discountTotal ? parts : undefined;
}

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
  const claimed = await claimPaymentEvent(env, outcome);
  const payment = await findPayment(env, outcome.paymentId);
  if (!payment) throw new AppError("payments.not_found", 404, "No such payment.");
  const order = await db.select().from(orders).where(eq(orders.id, payment.orderId)).get();
  if (!order) throw new AppError("orders.not_found", 404, "No such order.");
  const markProcessed = () => eventProcessedStatement(env.DB, outcome);
  // Once the order no longer waits for payment its open-order slots go back (idempotent) and their keys are forgotten.
  const forgetHoldSlots = () => db.update(orders).set({ holdSlots: null }).where(eq(orders.id, order.id));
  if (claimed.processed) return { applied: false, orderStatus: order.status };

  const lines = (await db.select().from(orderLines).where(eq(orderLines.orderId, order.id))).sort((a, b) => a.sku.localeCompare(b.sku));
  const actor = actors.payment(outcome.provider);

  if (outcome.outcome !== "succeeded") {
    if (order.status === "pending_payment") {
      for (const line of lines) await ledger(env, line.sku).release(line.sku, line.holdId, `payment ${outcome.outcome}`);
      await releasePromotionUses(env, order.id);
      await releasePoints(env, order.id, `Payment ${outcome.outcome}`);
      await releaseHoldSlots(env, order.id, order.holdSlots);
      await runBatch(env.DB, [
        forgetHoldSlots(),
        failPendingPaymentStatement(env.DB, payment.id, outcome.reason ?? outcome.outcome),
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
    const providerPaymentId = outcome.providerPaymentId ?? payment.providerPaymentId;
    const amount = outcome.amount ?? order.grandTotal;
    await refundThroughProvider(env, { ...payment, providerPaymentId }, amount, note);
    const statements = [paymentRefundedStatement(env.DB, payment.id, { amount, providerPaymentId, reason: note }), markProcessed()];
    if (order.status === "pending_payment") {
      for (const line of lines) await ledger(env, line.sku).release(line.sku, line.holdId, note);
      await releasePromotionUses(env, order.id);
      await releasePoints(env, order.id, note);
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
  // Before the order shows as paid: a crash after this replays it (idempotent per order).
  await commitPromotionUses(env, order.id);
  await commitPoints(env, order.id);
  await earnOrderPoints(env, { id: order.id, userId: order.userId, currency: order.currency, lines });
  await releaseHoldSlots(env, order.id, order.holdSlots);
  const vendorMoney = await vendorMoneyOf(env.DB, order.id);
  await runBatch(env.DB, [
    forgetHoldSlots(),
    paymentSucceededStatement(env.DB, payment.id, outcome.providerPaymentId ?? payment.providerPaymentId),
    ...transitionStatements(env.DB, order.id, "pending_payment", "paid", actor, "Payment received"),
    // Each seller's sale and the store's commission, with the payment that makes them real.
    ...vendorSaleStatements(env.DB, order.id, vendorMoney),
    markProcessed(),
  ]);
  await clearCart(env, order.cartId);
  await forgetCartCode(env, order.cartId);
  // Both keyed by the order/payment: a redelivered event that got this far queues them again, and they are sent once.
  const sellers = await sellerNames(
    env,
    lines.map((l) => l.vendorId),
  );
  await sendOrderEmail(env, origin, order, {
    template: "order_confirmation",
    total: order.grandTotal,
    items: lines.map((l) => {
      const seller = l.vendorId ? sellers.get(l.vendorId) : undefined;
      return { name: l.name, variantTitle: l.variantTitle, quantity: l.quantity, lineTotal: l.lineTotal, ...(seller ? { seller } : {}) };
    }),
    totals: {
      subtotal: order.subtotal,
      shippingTotal: order.shippingTotal,
      taxTotal: order.taxTotal,
      taxLabel: order.taxLabel,
      taxInclusive: order.taxInclusive === 1,
      dutiesTotal: order.dutiesTotal,
      discountTotal: order.discountTotal,
      discounts: await discountParts(env, order.id, order.discountTotal),
    },
  });
  await sendOrderEmail(env, origin, order, { template: "payment_received", key: payment.id, amount: order.grandTotal, provider: payment.provider });
  await sendStaffNewOrderEmail(env, origin, order, lines);
  return { applied: true, orderStatus: "paid" };
}

/**
 * The built-in test provider's hosted page, as the page shows it: the
 * payment and its order, or 404 when the test provider is not the active
 * one or the payment is not one of its payments.
 */
export async function testPaymentOf(env: Env, paymentId: string) {
  const payment = activeProvider(env).name === "test" ? await findPayment(env, paymentId) : undefined;
  if (payment?.provider !== "test") throw new AppError("payments.not_found", 404, "No such payment.");
  const order = await getDb(env.DB).select().from(orders).where(eq(orders.id, payment.orderId)).get();
  if (!order) throw new AppError("payments.not_found", 404, "No such payment.");
  return { payment, order: { id: order.id, number: order.number, email: order.email } };
}

/**
 * Pay now / Decline on the test provider's page: the outcome goes through the
 * same path as a verified provider webhook (once per payment and outcome).
 */
export async function applyTestPayment(env: Env, paymentId: string, outcome: TestPaymentBody["outcome"], origin: string) {
  await testPaymentOf(env, paymentId);
  return applyPaymentOutcome(
    env,
    {
      provider: "test",
      eventId: `${paymentId}:${outcome}`,
      eventType: `test.${outcome}`,
      paymentId,
      outcome,
      reason: outcome === "failed" ? "declined at the test payment page" : undefined,
    },
    origin,
  );
}

/**
 * A Stripe webhook: verified on its raw body, turned into a payment outcome
 * and applied once per event id. Answers whether it changed anything.
 */
export async function applyStripeWebhook(env: Env, raw: string, signature: string | undefined, origin: string): Promise<{ applied: boolean }> {
  const { event, outcome } = await readStripeEvent(env, raw, signature);
  // A vendor's connected account changed (Connect onboarding): store what Stripe says now.
  if (event.type === "account.updated") return { applied: await applyConnectAccountEvent(env, event.data.object.id) };
  return { applied: outcome ? (await applyPaymentOutcome(env, outcome, origin)).applied : false };
}
