import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { changesOf } from "../lib/d1-batch";
import { providerFor } from "./providers";
import type { PaymentOutcome, PaymentRow } from "./schema";
import { paymentEvents, payments } from "./tables";

// Payments owns the `payments` and `payment_events` tables: every write to them is built here. Most are
// statements for the caller's batch, so a payment's change commits together with the order's.

const nowIso = () => new Date().toISOString();

/** A payment by id, or undefined. */
export function findPayment(env: Env, paymentId: string): Promise<PaymentRow | undefined> {
  return getDb(env.DB).select().from(payments).where(eq(payments.id, paymentId)).get();
}

/** Every payment attempt of an order, newest first. */
export function paymentsOfOrder(env: Env, orderId: string): Promise<PaymentRow[]> {
  return getDb(env.DB).select().from(payments).where(eq(payments.orderId, orderId)).orderBy(desc(payments.createdAt));
}

/** The order's newest payment that took money and still has some to give back (succeeded or partly refunded). */
export function capturedPaymentOf(env: Env, orderId: string): Promise<PaymentRow | undefined> {
  return getDb(env.DB)
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), sql`${payments.status} in ('succeeded', 'partially_refunded')`))
    .orderBy(desc(payments.createdAt))
    .get();
}

/** The insert of a new pending payment, for the batch that writes its order. */
export function insertPaymentStatement(d1: D1Database, row: Pick<PaymentRow, "id" | "orderId" | "provider" | "amount" | "currency"> & { status: "pending" }) {
  return getDb(d1).insert(payments).values(row);
}

/** Remembers where the provider sends the shopper (once the payment has started). */
export async function recordPaymentStart(env: Env, paymentId: string, started: { providerRef: string; redirectUrl: string }): Promise<void> {
  await getDb(env.DB).update(payments).set({ providerRef: started.providerRef, redirectUrl: started.redirectUrl }).where(eq(payments.id, paymentId)).run();
}

/**
 * Records a provider event by id (once) and answers whether it was already
 * processed: a redelivered event that was fully applied changes nothing.
 */
export async function claimPaymentEvent(env: Env, outcome: PaymentOutcome): Promise<{ processed: boolean }> {
  const db = getDb(env.DB);
  const id = eventKey(outcome);
  await db.insert(paymentEvents).values({ id, provider: outcome.provider, type: outcome.eventType, paymentId: outcome.paymentId }).onConflictDoNothing();
  const claimed = await db.select().from(paymentEvents).where(eq(paymentEvents.id, id)).get();
  return { processed: Boolean(claimed?.processedAt) };
}

const eventKey = (outcome: Pick<PaymentOutcome, "provider" | "eventId">) => `${outcome.provider}:${outcome.eventId}`;

/** Marks a provider event fully applied (the last statement of the batch that applies it). */
export function eventProcessedStatement(d1: D1Database, outcome: Pick<PaymentOutcome, "provider" | "eventId">) {
  return getDb(d1)
    .update(paymentEvents)
    .set({ processedAt: nowIso() })
    .where(eq(paymentEvents.id, eventKey(outcome)));
}

/** A pending payment fails (declined, expired, never started); a payment in any other status is left alone. */
export function failPendingPaymentStatement(d1: D1Database, paymentId: string, reason: string) {
  return getDb(d1)
    .update(payments)
    .set({ status: "failed", failureReason: reason, updatedAt: nowIso() })
    .where(and(eq(payments.id, paymentId), eq(payments.status, "pending")));
}

/** The payment took the money. */
export function paymentSucceededStatement(d1: D1Database, paymentId: string, providerPaymentId: string | null) {
  return getDb(d1).update(payments).set({ status: "succeeded", providerPaymentId, updatedAt: nowIso() }).where(eq(payments.id, paymentId));
}

/** Money that arrived for an order the store could not keep was given back in full. */
export function paymentRefundedStatement(d1: D1Database, paymentId: string, r: { amount: number; providerPaymentId: string | null; reason: string }) {
  return getDb(d1)
    .update(payments)
    .set({ status: "refunded", refundedAmount: r.amount, providerPaymentId: r.providerPaymentId, failureReason: r.reason, updatedAt: nowIso() })
    .where(eq(payments.id, paymentId));
}

/**
 * Claims `refunded` as the payment's refunded-so-far figure, only if nobody
 * changed it since `payment` was read: of two refunds racing from the same
 * figure, one claims it. Answers whether this one did.
 */
export async function claimRefund(env: Env, payment: PaymentRow, refunded: number): Promise<boolean> {
  const claim = await getDb(env.DB)
    .update(payments)
    .set({ refundedAmount: refunded, updatedAt: nowIso() })
    .where(and(eq(payments.id, payment.id), eq(payments.refundedAmount, payment.refundedAmount)))
    .run();
  return changesOf(claim as unknown as D1Result) > 0;
}

/** Gives a claimed refund amount back (the provider refused it), so a retry can refund it. */
export async function releaseRefundClaim(env: Env, payment: PaymentRow, refunded: number): Promise<void> {
  await getDb(env.DB)
    .update(payments)
    .set({ refundedAmount: payment.refundedAmount, updatedAt: nowIso() })
    .where(and(eq(payments.id, payment.id), eq(payments.refundedAmount, refunded)))
    .run();
}

/** The status after a claimed refund went through: refunded in full or in part (only while the claim stands). */
export function refundSettledStatement(d1: D1Database, paymentId: string, refunded: number, full: boolean) {
  return getDb(d1)
    .update(payments)
    .set({ status: full ? "refunded" : "partially_refunded", updatedAt: nowIso() })
    .where(and(eq(payments.id, paymentId), eq(payments.refundedAmount, refunded)));
}

/** An order being cancelled before payment: its pending payments fail, only if the order did become cancelled in this batch. */
export function failPaymentsOfCancelledOrderStatement(d1: D1Database, orderId: string, at: string) {
  return d1
    .prepare(
      "update payments set status = 'failed', failure_reason = 'order cancelled', updated_at = ? where order_id = ? and status = 'pending' and (select status from orders where id = ?) = 'cancelled'",
    )
    .bind(at, orderId, orderId);
}

/**
 * A paid order being cancelled: its payment is claimed as refunded in full,
 * only if its refunded-so-far figure is still the one read and the order did
 * become cancelled in this batch.
 */
export function refundPaymentOfCancelledOrderStatement(d1: D1Database, payment: PaymentRow, orderId: string, at: string) {
  return d1
    .prepare(
      "update payments set status = 'refunded', refunded_amount = amount, updated_at = ? where id = ? and refunded_amount = ? and (select status from orders where id = ?) = 'cancelled'",
    )
    .bind(at, payment.id, payment.refundedAmount, orderId);
}

/** Undoes `refundPaymentOfCancelledOrderStatement` when the provider refused the refund. */
export function restoreCancelledRefundStatement(d1: D1Database, payment: PaymentRow) {
  return getDb(d1)
    .update(payments)
    .set({ status: payment.status, refundedAmount: payment.refundedAmount, updatedAt: nowIso() })
    .where(and(eq(payments.id, payment.id), eq(payments.refundedAmount, payment.amount)));
}

/** Gives money back through the provider that took the payment (idempotent per payment and amount). */
export function refundThroughProvider(env: Env, payment: PaymentRow, amount: number, reason: string): Promise<void> {
  return providerFor(env, payment.provider).refund(env, { payment, amount, reason });
}
