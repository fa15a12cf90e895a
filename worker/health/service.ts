import { paymentsUnavailableReason, isStripeTestKey } from "../payments";

/** Something a deployed store should fix before (or soon after) taking real orders. */
export interface ReadinessWarning {
  code: string;
  message: string;
}

/**
 * What is not production-ready in this store's configuration. Only a
 * production store (ENVIRONMENT=production) is judged; development and test
 * runs answer nothing. Flagged, not refused: a store being set up still
 * starts, and `/api/health` (status "degraded") and every admin page (a
 * banner) say what is missing.
 */
export function readinessWarnings(env: Env): ReadinessWarning[] {
  if (env.ENVIRONMENT !== "production") return [];
  const warnings: ReadinessWarning[] = [];
  const email = (env.EMAIL_PROVIDER || "outbox").toLowerCase();
  if (email === "outbox") {
    warnings.push({
      code: "email.outbox_provider",
      message:
        "Emails are only stored in the outbox, not sent: customers get no order confirmations. Set EMAIL_PROVIDER (resend, postmark or cloudflare) and EMAIL_FROM.",
    });
  }
  const payments = paymentsUnavailableReason(env);
  if (payments) warnings.push({ code: "payments.unavailable", message: `Checkout is refused: ${payments}.` });
  else if (!env.STRIPE_SECRET_KEY) {
    warnings.push({ code: "payments.test_provider", message: "Payments go to the built-in test provider (ALLOW_TEST_PAYMENTS=true): nothing is charged." });
  } else if (isStripeTestKey(env.STRIPE_SECRET_KEY)) {
    warnings.push({ code: "payments.stripe_test_mode", message: "Stripe runs in test mode (ALLOW_STRIPE_TEST_MODE=true): nothing is charged." });
  }
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
    warnings.push({
      code: "payments.webhook_not_configured",
      message: "STRIPE_WEBHOOK_SECRET is not set: Stripe cannot tell the store that an order was paid (the sweep and the daily reconciliation catch up late).",
    });
  }
  return warnings;
}
