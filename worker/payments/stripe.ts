import type Stripe from "stripe";
import { AppError } from "../lib/errors";
import { isStripeTestKey, stripeTestModeAllowed } from "./mode";
import type { PaymentOutcome, PaymentProvider } from "./schema";
import { createStripeApi, isStripeError, type StripeApi, verifyStripeWebhook } from "./stripe-api";

/**
 * The Stripe client (stripe-api.ts: fetch, network retries), at `STRIPE_API_BASE` when set: a local fake
 * Stripe server in tests.
 */
export function stripeClient(env: Env): StripeApi {
  if (!env.STRIPE_SECRET_KEY) throw new Error("STRIPE_SECRET_KEY is not configured");
  // Every Stripe call goes through here, so a production store never charges, refunds or reads in test mode by accident.
  if (isStripeTestKey(env.STRIPE_SECRET_KEY) && !stripeTestModeAllowed(env)) {
    throw new AppError("checkout.payments_unavailable", 503, "This store cannot take payments right now (its Stripe key is a test-mode key).");
  }
  return createStripeApi(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE || undefined);
}

/** Where Stripe hosts Checkout Sessions' pages (`session.url`). */
const STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com";

/**
 * Origins a shopper's browser is sent to after the checkout form post: Stripe's
 * hosted Checkout when Stripe takes payments (the local fake Stripe's origin in
 * tests), none with the built-in test provider, whose page is on the store.
 * Pages name these in their CSP form-action, which browsers also apply to the
 * redirect that answers a form post.
 */
export function checkoutFormOrigins(env: Env): string[] {
  if (!env.STRIPE_SECRET_KEY) return [];
  return [env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE).origin : STRIPE_CHECKOUT_ORIGIN];
}

/**
 * Stripe-hosted Checkout (a redirect), so card data never touches the store
 * (PCI SAQ A). Every outbound call carries a deterministic idempotency key.
 */
export const stripeProvider: PaymentProvider = {
  name: "stripe",
  async start(env, { payment, order, lines, charges, origin, expiresAt }) {
    const currency = order.currency.toLowerCase();
    const session = await stripeClient(env).checkout.sessions.create(
      {
        mode: "payment",
        client_reference_id: order.id,
        customer_email: order.email,
        line_items: [
          ...lines.map((l) => ({
            quantity: l.quantity,
            price_data: { currency, unit_amount: l.unitPrice, product_data: { name: l.variantTitle === "Default" ? l.name : `${l.name} (${l.variantTitle})` } },
          })),
          ...charges.map((c) => ({ quantity: 1, price_data: { currency, unit_amount: c.amount, product_data: { name: c.name } } })),
        ],
        metadata: { orderId: order.id, paymentId: payment.id },
        // The order's vendor transfers carry the same group, which ties them to this payment in Stripe's dashboard.
        payment_intent_data: { metadata: { orderId: order.id, paymentId: payment.id }, transfer_group: order.id },
        success_url: `${origin}/checkout/complete?order=${order.id}`,
        cancel_url: `${origin}/cart`,
        expires_at: Math.floor(expiresAt / 1000),
      },
      { idempotencyKey: `checkout-session:${payment.id}` },
    );
    if (!session.url) throw new Error("Stripe returned a session without a URL");
    return { providerRef: session.id, redirectUrl: session.url };
  },
  async refund(env, { payment, amount, reason }) {
    if (!payment.providerPaymentId) throw new Error(`payment ${payment.id} has no payment intent to refund`);
    await stripeClient(env).refunds.create(
      { payment_intent: payment.providerPaymentId, amount, metadata: { paymentId: payment.id, reason: reason.slice(0, 200) } },
      { idempotencyKey: `refund:${payment.id}:${payment.refundedAmount}:${amount}` },
    );
  },
};

/**
 * Verifies a webhook on its raw body (signature and a 5-minute timestamp
 * tolerance) and turns the events the store acts on into payment outcomes.
 * Session events are re-read from Stripe, since events can arrive late and
 * out of order. Other event types answer null (acknowledged, nothing to do).
 */
export async function readStripeEvent(env: Env, raw: string, signature: string | undefined): Promise<{ event: Stripe.Event; outcome: PaymentOutcome | null }> {
  if (!env.STRIPE_WEBHOOK_SECRET) throw new AppError("webhooks.not_configured", 404, "Stripe webhooks are not configured.");
  let event: Stripe.Event;
  try {
    event = await verifyStripeWebhook(raw, signature ?? "", env.STRIPE_WEBHOOK_SECRET, 300);
  } catch {
    throw new AppError("webhooks.invalid_signature", 400, "The Stripe-Signature header does not match this body (or is too old).");
  }
  // A test-mode event (Stripe's "livemode": false) in production is a misconfigured endpoint: refused, so Stripe shows it failing.
  if (!event.livemode && !stripeTestModeAllowed(env)) {
    throw new AppError(
      "webhooks.test_mode_event",
      400,
      "This store runs in production and refuses Stripe test-mode events (set ALLOW_STRIPE_TEST_MODE=true on staging).",
    );
  }
  const base = { provider: "stripe" as const, eventId: event.id, eventType: event.type };
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired": {
      const session = await stripeClient(env).checkout.sessions.retrieve(event.data.object.id);
      const outcome = sessionOutcome(session, base);
      if (outcome) return { event, outcome };
      const paymentId = session.metadata?.paymentId;
      if (paymentId && event.type === "checkout.session.async_payment_failed")
        return { event, outcome: { ...base, paymentId, outcome: "failed", reason: "the payment failed" } };
      return { event, outcome: null }; // completed but not paid yet (delayed methods): wait for the async event
    }
    case "payment_intent.succeeded": {
      const intent = event.data.object;
      const paymentId = intent.metadata?.paymentId;
      if (!paymentId) return { event, outcome: null };
      return {
        event,
        outcome: { ...base, paymentId, outcome: "succeeded", amount: intent.amount_received, currency: intent.currency, providerPaymentId: intent.id },
      };
    }
    default:
      return { event, outcome: null };
  }
}

/**
 * What a Checkout Session says happened, as a payment outcome for the store's
 * payment (its `metadata.paymentId`): paid → succeeded (with the amount,
 * currency and PaymentIntent Stripe reports), expired → expired. Open, or
 * complete but not yet paid (delayed methods), answers null: nothing to apply.
 */
export function sessionOutcome(session: Stripe.Checkout.Session, base: Pick<PaymentOutcome, "provider" | "eventId" | "eventType">): PaymentOutcome | null {
  const paymentId = session.metadata?.paymentId;
  if (!paymentId) return null;
  if (session.payment_status === "paid") {
    const intent = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? undefined);
    return {
      ...base,
      paymentId,
      outcome: "succeeded",
      amount: session.amount_total ?? undefined,
      currency: session.currency ?? undefined,
      providerPaymentId: intent,
    };
  }
  if (session.status === "expired") return { ...base, paymentId, outcome: "expired", reason: "the payment page expired" };
  return null;
}

/**
 * Asks Stripe for a Checkout Session's state before the store gives up on
 * it: an open session is expired at Stripe first (so the shopper can no longer
 * pay into a cancelled order), and the answer is the session as it is after
 * that. Expiring a session that completed meanwhile fails at Stripe; it is
 * read again and answered as completed.
 */
export async function closeCheckoutSession(env: Env, sessionId: string, paymentId: string): Promise<Stripe.Checkout.Session> {
  const stripe = stripeClient(env);
  const session = await stripe.checkout.sessions.retrieve(sessionId);
  if (session.status !== "open") return session;
  try {
    return await stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey: `expire-session:${paymentId}` });
  } catch (err) {
    if (isStripeError(err, "invalid_request")) return stripe.checkout.sessions.retrieve(sessionId);
    throw err;
  }
}
