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
