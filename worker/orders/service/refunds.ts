import { eq } from "drizzle-orm";
import { requireFreshSecondFactor } from "../../accounts";
import { getDb } from "../../db/client";
import { auditStatement } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { formatMoney } from "../../lib/money";
import { orderPointsReversalStatements } from "../../loyalty";
import { capturedPaymentOf, claimRefund, refundSettledStatement, refundThroughProvider, releaseRefundClaim } from "../../payments";
import { securitySettings } from "../../store";
import { payoutClient, sendPayoutMessages } from "../../vendors";
import { soldCountStatements } from "../sold-count";
import { orderLines, orders } from "../tables";
import { type RefundedLine, vendorLineRefundStatements, vendorMoneyOf, vendorOrderFollowStatements, vendorRefundStatements } from "../vendor-order-sync";
import { sendOrderEmail } from "./emails";
import { type ChangeContext, timelineStatement } from "./orders";

/** An order line a refund is for, and its weight in the refund (what was paid for the refunded units). */
export interface RefundLine {
  orderLineId: string;
  weight: number;
}

/** The refunded lines with their vendor orders; lines of another order are ignored. */
async function refundedLinesOf(env: Env, orderId: string, lines: readonly RefundLine[]): Promise<RefundedLine[]> {
  const rows = await env.DB.prepare("select id, vendor_order_id as vo from order_lines where order_id = ?")
    .bind(orderId)
    .all<{ id: string; vo: string | null }>();
  const vo = new Map(rows.results.map((r) => [r.id, r.vo]));
  return lines.filter((l) => vo.has(l.orderLineId) && l.weight > 0).map((l) => ({ vendorOrderId: vo.get(l.orderLineId) ?? null, weight: l.weight }));
}

// A cancelled order is refundable only for what its cancellation could not refund (a provider failure).
const REFUNDABLE = new Set(["paid", "fulfilling", "shipped", "delivered", "partially_refunded", "cancelled"]);

/**
 * Refunds all or part of an order's payment through the provider that took
 * it. The amount is claimed on the payment first (guarded by the
 * refunded-so-far figure), so of two concurrent refunds only one reaches the
 * provider; the other answers 409 before any money moves. The provider call
 * carries a key derived from the payment and the refunded-so-far amount, so a
 * retried request refunds once; a provider failure gives the claim back. Then
 * the payment status, the order (partially_refunded or refunded), a refund row
 * on the timeline and the audit entry commit together. The shopper gets one
 * email per refund. With `lines` (a return's order lines and what was paid for the returned units), only
 * the sellers of those lines give back their share; without, every seller of the order gives back in proportion.
 */
export async function refundOrder(env: Env, orderId: string, amount: number | undefined, reason: string, ctx: ChangeContext, lines?: readonly RefundLine[]) {
  const db = getDb(env.DB);
  const order = await db.select().from(orders).where(eq(orders.id, orderId)).get();
  if (!order) throw new AppError("orders.not_found", 404, "No such order.");
  if (!REFUNDABLE.has(order.status)) throw new AppError("orders.not_refundable", 409, `An order that is ${order.status.replace("_", " ")} cannot be refunded.`);
  const payment = await capturedPaymentOf(env, orderId);
  if (!payment) throw new AppError("orders.not_refundable", 409, "This order has no captured payment.");
  const left = payment.amount - payment.refundedAmount;
  const value = amount ?? left;
  if (value <= 0 || value > left) {
    throw new AppError("orders.refund_too_large", 400, `At most ${left} (minor units) can still be refunded.`, [
      { path: "amount", message: `Between 1 and ${left}` },
    ]);
  }
  if (ctx.audit) {
    // Staff money back above the store's threshold needs a second factor proved within the last minutes.
    const { reauthRefundAbove } = await securitySettings(env);
    if (value > reauthRefundAbove) await requireFreshSecondFactor(env, { principal: { id: ctx.audit.actorId }, sessionId: ctx.sessionId ?? "" });
  }
  const refunded = payment.refundedAmount + value;
  const full = refunded === payment.amount;
  // A cancelled order stays cancelled; its refund is recorded on the payment and the timeline.
  const status = order.status === "cancelled" ? "cancelled" : full ? "refunded" : "partially_refunded";
  const money = formatMoney({ amount: value, currency: order.currency });
  const now = new Date().toISOString();
  // Claim the amount before any money moves: of two refunds racing from the same figure, one claims it and
  // the other is refused here, before its provider call (so it can never be paid without being recorded).
  if (!(await claimRefund(env, payment, refunded))) {
    throw new AppError("orders.refund_conflict", 409, "Another refund of this order was just recorded. Reload to see what is left to refund.");
  }
  try {
    await refundThroughProvider(env, payment, value, reason);
  } catch (err) {
    // The provider refused or was unreachable: give the claimed amount back so a retry can refund it.
    await releaseRefundClaim(env, payment, refunded);
    throw err;
  }
  const vendorMoney = await vendorMoneyOf(env.DB, orderId);
  const refundedLines = lines?.length && !full ? await refundedLinesOf(env, orderId, lines) : null;
  // The points follow the refunded lines (a return), or the amount spread over every line; committed with the refund.
  const paidLines = await db
    .select({ id: orderLines.id, sku: orderLines.sku, lineTotal: orderLines.lineTotal, discountTotal: orderLines.discountTotal })
    .from(orderLines)
    .where(eq(orderLines.orderId, orderId));
  const skuOf = new Map(paidLines.map((l) => [l.id, l.sku]));
  const pointsStatements = await orderPointsReversalStatements(env, {
    orderId,
    key: `${payment.id}:${refunded}`,
    lines: paidLines.map((l) => ({ sku: l.sku, paid: l.lineTotal - l.discountTotal })),
    refunded: lines?.length
      ? lines.flatMap((l) => {
          const sku = skuOf.get(l.orderLineId);
          return sku ? [{ sku, weight: l.weight }] : [];
        })
      : null,
    amount: value,
    total: payment.amount,
    full,
    reason: order.status === "cancelled" ? "Order cancelled" : lines?.length ? "Items refunded" : "Order refunded",
  });
  const [paid] = await runBatch(env.DB, [
    refundSettledStatement(env.DB, payment.id, refunded, full),
    env.DB.prepare("update orders set status = ?, refunded_total = ?, updated_at = ? where id = ? and changes() = 1").bind(status, refunded, now, orderId),
    timelineStatement(env.DB, { orderId, status, actor: ctx.actor, kind: "refund", note: `Refunded ${money}: ${reason}`, at: now }, true),
    ...(ctx.audit
      ? [
          auditStatement(env.DB, ctx.audit, {
            action: "order.refund",
            entityType: "order",
            entityId: orderId,
            before: { status: order.status, refunded: payment.refundedAmount },
            after: { status, refunded, amount: value, reason },
          }),
        ]
      : []),
    // A refund in full takes the order's units out of products' sold counts.
    ...soldCountStatements(env.DB, orderId),
    ...vendorOrderFollowStatements(env.DB, orderId, status, now),
    // The sellers give back their share of this refund (only those of the refunded lines, when named), and the
    // store its commission on it. A refund that completes the order's gives back everything left.
    ...(refundedLines?.length
      ? vendorLineRefundStatements(env.DB, orderId, vendorMoney, refundedLines, value, refunded)
      : vendorRefundStatements(env.DB, order, vendorMoney, payment.refundedAmount, refunded)),
    ...pointsStatements,
  ]);
  // A seller whose sale was already paid out now owes it back: the payouts queue reverses the shortfall from its
  // last Stripe transfer (once per refund), or the negative balance nets against its next payout.
  if (changesOf(paid) > 0 && vendorMoney.length && payoutClient(env)) {
    const sellers = new Map(vendorMoney.map((vo) => [`${vo.vendorId}:${vo.currency}`, vo]));
    await sendPayoutMessages(
      env,
      [...sellers.values()].map((vo) => ({ kind: "reversal" as const, vendorId: vo.vendorId, currency: vo.currency, refundKey: `${orderId}:${refunded}` })),
    );
  }
  if (changesOf(paid) > 0) {
    await sendOrderEmail(env, ctx.origin, order, {
      template: "order_refunded",
      key: `${payment.id}:${refunded}`,
      amount: value,
      full,
    });
  }
  return { orderId, status, refunded: { amount: refunded, currency: order.currency } };
}
