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

/** Stripe when its secret key is configured; otherwise the test provider (never in production unless allowed). */
export function activeProvider(env: Env): PaymentProvider {
  if (env.STRIPE_SECRET_KEY) return stripeProvider;
  if (env.ENVIRONMENT === "production" && env.ALLOW_TEST_PAYMENTS !== "true") {
    throw new Error("No payment provider: set STRIPE_SECRET_KEY (or ALLOW_TEST_PAYMENTS=true for a demo store)");
  }
  return testProvider;
}

export function providerFor(_env: Env, name: "test" | "stripe"): PaymentProvider {
  return name === "stripe" ? stripeProvider : testProvider;
}
