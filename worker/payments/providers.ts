import { AppError } from "../lib/errors";
import type { ExtraCharge } from "./charges";
import { stripeProvider } from "./stripe";
import type { payments } from "./tables";

type PaymentRow = typeof payments.$inferSelect;

export interface StartPaymentInput {
  payment: PaymentRow;
  order: { id: string; number: string; email: string; grandTotal: number; currency: string };
  lines: { name: string; variantTitle: string; unitPrice: number; quantity: number }[];
  /** Shipping, added tax and duties, each its own line; with `lines` they sum to exactly `order.grandTotal`. */
  charges: ExtraCharge[];
  origin: string;
  /** When the hosted payment page must stop accepting payment (before the holds expire). */
  expiresAt: number;
}

/** What every payment provider does for the store. */
export interface PaymentProvider {
  readonly name: "test" | "stripe";
  /** Starts collecting the order's total; answers where to send the shopper. */
  start(env: Env, input: StartPaymentInput): Promise<{ providerRef: string; redirectUrl: string }>;
  /** Gives money back (all or part). Idempotent per payment and amount. */
  refund(env: Env, input: { payment: PaymentRow; amount: number; reason: string }): Promise<void>;
}

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

/** True for a Stripe key of test mode (secret `sk_test_…` or restricted `rk_test_…`). */
export function isStripeTestKey(key: string): boolean {
  return /^(sk|rk)_test_/.test(key);
}

/** Whether a production store may take Stripe's test mode (keys and events): only when ALLOW_STRIPE_TEST_MODE=true (staging). */
export function stripeTestModeAllowed(env: Env): boolean {
  return env.ENVIRONMENT !== "production" || env.ALLOW_STRIPE_TEST_MODE === "true";
}

/**
 * Why this store cannot take payments, or null when it can. In production a
 * missing Stripe key (without ALLOW_TEST_PAYMENTS=true for a demo store) and a
 * test-mode key (without ALLOW_STRIPE_TEST_MODE=true for staging) are refused:
 * one would hand out goods for free, the other collect nothing.
 */
export function paymentsUnavailableReason(env: Env): string | null {
  if (env.STRIPE_SECRET_KEY) {
    if (isStripeTestKey(env.STRIPE_SECRET_KEY) && !stripeTestModeAllowed(env)) {
      return "STRIPE_SECRET_KEY is a test-mode key; set a live key (or ALLOW_STRIPE_TEST_MODE=true on a staging store)";
    }
    return null;
  }
  if (env.ENVIRONMENT === "production" && env.ALLOW_TEST_PAYMENTS !== "true") {
    return "no payment provider: set STRIPE_SECRET_KEY (or ALLOW_TEST_PAYMENTS=true for a demo store)";
  }
  return null;
}

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

export function providerFor(_env: Env, name: "test" | "stripe"): PaymentProvider {
  return name === "stripe" ? stripeProvider : testProvider;
}
