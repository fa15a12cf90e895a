import { AppError } from "../lib/errors";
import { paymentsUnavailableReason } from "./mode";
import type { PaymentProvider, PaymentProviderName } from "./schema";
import { stripeProvider } from "./stripe";

/**
 * The built-in provider for stores without Stripe keys: its "hosted page" is
 * the store's own /checkout/pay/:id page with Pay now / Decline, and its
 * outcome goes through the same path as a verified webhook. Nothing is charged.
 */
export const testProvider: PaymentProvider = {
  name: "test",
  async start(_env, { payment, origin }) {
    return { providerRef: payment.id, redirectUrl: `${origin}/checkout/pay/${payment.id}` };
  },
  async refund() {
    // Nothing was charged.
  },
};

/**
 * Stripe when its secret key is configured; otherwise the test provider. A
 * store that cannot take payments (see `paymentsUnavailableReason`) answers
 * 503 `checkout.payments_unavailable`, so callers check it before holding
 * any stock.
 */
export function activeProvider(env: Env): PaymentProvider {
  const reason = paymentsUnavailableReason(env);
  if (reason) {
    console.error(JSON.stringify({ level: "error", msg: "payments unavailable", reason }));
    throw new AppError("checkout.payments_unavailable", 503, "This store cannot take payments right now, so no order was placed. Please try again later.");
  }
  return env.STRIPE_SECRET_KEY ? stripeProvider : testProvider;
}

/** The provider that took a payment (refunds go back through it). */
export function providerFor(_env: Env, name: PaymentProviderName): PaymentProvider {
  return name === "stripe" ? stripeProvider : testProvider;
}
