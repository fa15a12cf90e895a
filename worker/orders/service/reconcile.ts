import { and, eq, inArray, lt } from "drizzle-orm";
import { getDb } from "../../db/client";
import { recordAudit } from "../../lib/audit";
import { closeCheckoutSession, type PaymentOutcome, sessionOutcome, stripeClient } from "../../payments";
import { payments } from "../../payments/tables";
import { orders } from "../tables";
import { applyPaymentOutcome } from "./payment-outcome";

const errorText = (err: unknown) => String(err instanceof Error ? err.message : err).slice(0, 300);

/** What one pending-payment sweep did. */
export interface SweepResult {
  /** Cancelled: not paid in time (holds released). */
  expired: number;
  /** Stripe said paid although no webhook had arrived: marked paid as the webhook would have. */
  paid: number;
  /** Stripe is still waiting for a delayed payment method: left pending for its event. */
  waiting: number;
  /** Stripe did not answer: left alone, asked again at the next sweep. */
  unreachable: number;
}

/**
 * Backstop for payments that never report back (an abandoned test-provider
 * page, a lost Stripe event): orders still pending after their holds expired.
 * A Stripe payment is never cancelled on the store's word alone: its Checkout
 * Session is read first, and an open one is expired at Stripe (so nobody can
 * pay into a cancelled order), then the session's final state goes through
 * the same outcome path as a webhook: paid → the order is paid (an expired
 * hold is re-reserved if stock is left, else the payment is refunded once),
 * expired → cancelled. When Stripe cannot be reached the order stays pending
 * for the next sweep. Every outcome carries a sweep event id, so a sweep that
 * runs twice, or a webhook that arrives after it, changes nothing twice.
 */
export async function expireAbandonedPayments(env: Env, origin: string, now = Date.now()): Promise<SweepResult> {
  const db = getDb(env.DB);
  const stale = await db
    .select({ paymentId: payments.id, provider: payments.provider, providerRef: payments.providerRef })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(and(eq(orders.status, "pending_payment"), eq(payments.status, "pending"), lt(orders.holdsExpireAt, now)))
    .limit(200);
  const result: SweepResult = { expired: 0, paid: 0, waiting: 0, unreachable: 0 };
  for (const p of stale) {
    let outcome: PaymentOutcome | null = {
      provider: p.provider,
      eventId: `sweep-expired:${p.paymentId}`,
      eventType: "sweep.expired",
      paymentId: p.paymentId,
      outcome: "expired",
      reason: "not paid in time",
    };
    if (p.provider === "stripe" && p.providerRef) {
      try {
        const session = await closeCheckoutSession(env, p.providerRef, p.paymentId);
        const paid = session.payment_status === "paid";
        outcome = sessionOutcome(session, { provider: "stripe", eventId: `sweep-${paid ? "paid" : "expired"}:${p.paymentId}`, eventType: "sweep.session" });
        if (outcome?.outcome === "expired") outcome.reason = "not paid in time";
      } catch (err) {
        result.unreachable++;
        console.error(JSON.stringify({ level: "error", msg: "sweep: stripe unreachable", paymentId: p.paymentId, error: errorText(err) }));
        continue;
      }
    }
    if (!outcome) {
      result.waiting++;
      continue;
    }
    const applied = await applyPaymentOutcome(env, outcome, origin);
    if (applied.orderStatus === "paid") result.paid++;
    else result.expired++;
  }
  return result;
}

/** One correction made by a reconciliation run. */
export interface ReconcileAction {
  paymentId: string;
  orderId: string;
  sessionId: string;
  /** marked_paid: paid at Stripe, no webhook; cancelled: expired at Stripe; refunded: paid into an order already cancelled. */
  action: "marked_paid" | "cancelled" | "refunded";
}

export interface ReconcileResult {
  /** Checkout Sessions read from Stripe in the window. */
  checked: number;
  /** Sessions of payments this store does not know (another store on the account, or deleted data). */
  unknown: number;
  actions: ReconcileAction[];
}

/** How far back reconciliation looks (Checkout Sessions live at most 24 h; three days covers a missed run or two). */
export const RECONCILE_WINDOW_MS = 3 * 24 * 60 * 60_000;
const MAX_SESSIONS = 5_000;

/**
 * The daily reconciliation of this store's payments against Stripe: every
 * Checkout Session created in the window is compared with the payment it
 * belongs to, and a payment whose webhook never arrived is fixed through the
 * webhook's own path: paid at Stripe but pending here → paid; expired at
 * Stripe but pending here → cancelled; paid at Stripe into an order the store
 * already cancelled → refunded (once: the refund is keyed by payment and
 * amount, and a refunded payment is never refunded again). Consistent
 * payments and open sessions are left alone, so a second run changes nothing.
 * What it did is written to the audit log (action `payments.reconcile`).
 */
export async function reconcileStripePayments(env: Env, origin: string, now = Date.now()): Promise<ReconcileResult | null> {
  if (!env.STRIPE_SECRET_KEY) return null;
  const db = getDb(env.DB);
  const result: ReconcileResult = { checked: 0, unknown: 0, actions: [] };
  const sessions = stripeClient(env).checkout.sessions.list({ created: { gte: Math.floor((now - RECONCILE_WINDOW_MS) / 1000) }, limit: 100 });
  const batch: Awaited<ReturnType<typeof sessions.autoPagingToArray>> = await sessions.autoPagingToArray({ limit: MAX_SESSIONS });
  const ids = batch.map((s) => s.metadata?.paymentId).filter((id): id is string => Boolean(id));
  const known = new Map<string, typeof payments.$inferSelect>();
  for (let i = 0; i < ids.length; i += 90) {
    for (const row of await db
      .select()
      .from(payments)
      .where(inArray(payments.id, ids.slice(i, i + 90))))
      known.set(row.id, row);
  }
  for (const session of batch) {
    result.checked++;
    const payment = known.get(session.metadata?.paymentId ?? "");
    if (payment?.provider !== "stripe") {
      result.unknown++;
      continue;
    }
    const paid = session.payment_status === "paid";
    const outcome = sessionOutcome(session, {
      provider: "stripe",
      eventId: `reconcile-${paid ? "paid" : "expired"}:${payment.id}`,
      eventType: "reconcile.session",
    });
    if (!outcome) continue;
    // Only where the store and Stripe disagree: a pending payment Stripe has settled, or money Stripe took that the store did not keep.
    const disagrees = payment.status === "pending" || (paid && payment.status === "failed");
    if (!disagrees) continue;
    const applied = await applyPaymentOutcome(env, outcome, origin);
    if (!applied.applied) continue;
    result.actions.push({
      paymentId: payment.id,
      orderId: payment.orderId,
      sessionId: session.id,
      action: !paid ? "cancelled" : applied.orderStatus === "paid" ? "marked_paid" : "refunded",
    });
  }
  await recordAudit(
    env.DB,
    { actorId: "system:reconciliation", actorEmail: "system", requestId: null },
    {
      action: "payments.reconcile",
      entityType: "payments",
      entityId: new Date(now).toISOString().slice(0, 10),
      after: { checked: result.checked, unknown: result.unknown, fixed: result.actions.length, actions: result.actions },
    },
  );
  return result;
}
