import { applyPaymentOutcome } from "../../orders";
import { type activeProvider, assertChargesSum, extraCharges, recordPaymentStart } from "../../payments";
import { netPaymentLines } from "../../promotions";
import { AppError } from "../../lib/errors";
import type { CheckoutResult } from "../schema";
import type { CheckoutPlan } from "./pricing";
import { type OrderHeader, paymentRowOf } from "./records";

/** How long the shopper has to pay; the holds outlast it (see HOLD_TTL_MS). */
export const PAYMENT_WINDOW_MS = 31 * 60_000;

/**
 * Starts the payment of a saved order with the store's provider and answers where to send the
 * shopper. The hosted page lists each line at what is paid for it after discounts, plus shipping,
 * added tax and duties as their own lines, summing exactly to the order's total. If the provider
 * cannot start, the payment is recorded as failed (which gives the holds back) and the shopper gets
 * 502 `checkout.payment_failed`: nothing was charged.
 */
export async function startOrderPayment(
  env: Env,
  provider: ReturnType<typeof activeProvider>,
  o: { header: OrderHeader; plan: CheckoutPlan; orderUrl: string; origin: string; now: number },
): Promise<CheckoutResult> {
  const { header, plan } = o;
  const { totals, currency } = plan;
  const grandTotal = totals.grandTotal.amount;
  const paymentRow = paymentRowOf(header, plan);
  const paymentLines = netPaymentLines(
    plan.lines.map((l) => ({
      name: l.name,
      variantTitle: l.variantTitle,
      unitPrice: l.unitPrice.amount,
      quantity: l.quantity,
      net: l.unitPrice.amount * l.quantity - (plan.lineDiscount.get(l.sku) ?? 0),
    })),
  ).map(({ net: _net, ...l }) => l);
  try {
    const charges = extraCharges({
      shipping: totals.shipping.amount,
      tax: totals.tax.total.amount,
      taxLabel: totals.tax.label,
      taxInclusive: totals.tax.inclusive,
      duties: totals.duties.amount,
    });
    assertChargesSum(paymentLines, charges, grandTotal);
    const started = await provider.start(env, {
      payment: {
        ...paymentRow,
        providerRef: null,
        providerPaymentId: null,
        refundedAmount: 0,
        redirectUrl: null,
        failureReason: null,
        createdAt: "",
        updatedAt: "",
      },
      order: { id: header.orderId, number: header.number, email: plan.email, grandTotal, currency },
      lines: paymentLines,
      charges,
      origin: o.origin,
      expiresAt: o.now + PAYMENT_WINDOW_MS,
    });
    await recordPaymentStart(env, header.paymentId, started);
    return {
      orderId: header.orderId,
      orderNumber: header.number,
      status: "pending_payment",
      total: { amount: grandTotal, currency },
      totals,
      points: plan.pointsPlan ? { points: plan.pointsPlan.points, value: { amount: plan.pointsPlan.value, currency } } : null,
      payment: { provider: provider.name, redirectUrl: started.redirectUrl },
      orderUrl: o.orderUrl,
    };
  } catch (err) {
    await applyPaymentOutcome(
      env,
      {
        provider: provider.name,
        eventId: `start-failed:${header.paymentId}`,
        eventType: "start_failed",
        paymentId: header.paymentId,
        outcome: "failed",
        reason: "the payment could not be started",
      },
      o.origin,
    );
    console.error(JSON.stringify({ level: "error", msg: "payment start failed", orderId: header.orderId, error: String(err) }));
    throw new AppError("checkout.payment_failed", 502, "The payment could not be started. Nothing was charged; try again.");
  }
}
