import { and, desc, eq, isNotNull } from "drizzle-orm";
import type Stripe from "stripe";
import { getDb } from "../db/client";
import { applyConnectAccount, type ConnectAccountState, registerPayoutTransfers, type TransferResult } from "../vendors";
import { stripeClient } from "./stripe";
import { isStripeError } from "./stripe-api";
import { payments } from "./tables";

// Stripe Connect for vendor payouts ("separate charges and transfers"): the store is charged as usual and
// later moves each vendor's share to the vendor's connected account with a transfer (and takes part of it back
// with a transfer reversal when a sale already paid out is refunded).

/**
 * The charge a vendor order's transfer is funded from: the latest charge of the order's Stripe PaymentIntent, or
 * null when the order was not paid through Stripe (the transfer then draws on the platform balance).
 */
async function sourceCharge(env: Env, orderId: string): Promise<string | null> {
  const payment = await getDb(env.DB)
    .select({ intent: payments.providerPaymentId })
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.provider, "stripe"), isNotNull(payments.providerPaymentId)))
    .orderBy(desc(payments.createdAt))
    .get();
  if (!payment?.intent) return null;
  const intent = await stripeClient(env).paymentIntents.retrieve(payment.intent);
  const charge = intent.latest_charge;
  return typeof charge === "string" ? charge : (charge?.id ?? null);
}

/**
 * Sends one payout as a transfer ("separate charges and transfers"). A vendor order's transfer carries the order's
 * `transfer_group` (the PaymentIntent has the same) and the order's charge as `source_transaction`, so Stripe
 * moves the money only once that charge's funds are there. The payout's idempotency key goes to Stripe, so a
 * replayed or raced send answers the first transfer instead of making a second. Stripe refusing the request (no
 * such account, the account cannot receive transfers, an unknown charge) is permanent for this payout; a network
 * or server error is not, and the queue retries the payout.
 */
async function sendTransfer(
  env: Env,
  t: { payoutId: string; key: string; amount: number; currency: string; destination: string; orderId: string | null },
): Promise<TransferResult> {
  try {
    const source = t.orderId ? await sourceCharge(env, t.orderId) : null;
    const transfer = await stripeClient(env).transfers.create(
      {
        amount: t.amount,
        currency: t.currency.toLowerCase(),
        destination: t.destination,
        transfer_group: t.orderId ?? t.payoutId,
        ...(source ? { source_transaction: source } : {}),
        metadata: { payoutId: t.payoutId, ...(t.orderId ? { orderId: t.orderId } : {}) },
      },
      { idempotencyKey: t.key },
    );
    return { ok: true, reference: transfer.id };
  } catch (err) {
    const permanent = isStripeError(err, "invalid_request", "permission", "card");
    return { ok: false, permanent, reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Takes part of a transfer back from the connected account (a refund of a sale already paid out). The key is
 * the payout's and the refund's, so a redelivered message reverses once. Stripe refusing (the account's balance
 * is short, the transfer is already fully reversed) is permanent: the vendor's balance stays negative and nets
 * against its next payout.
 */
async function reverseTransfer(env: Env, r: { transferId: string; key: string; amount: number; refundKey: string }): Promise<TransferResult> {
  try {
    const reversal = await stripeClient(env).transfers.createReversal(
      r.transferId,
      { amount: r.amount, metadata: { refund: r.refundKey } },
      { idempotencyKey: r.key },
    );
    return { ok: true, reference: reversal.id };
  } catch (err) {
    const permanent = isStripeError(err, "invalid_request", "permission");
    return { ok: false, permanent, reason: err instanceof Error ? err.message : String(err) };
  }
}

const stateOf = (account: Stripe.Account): ConnectAccountState => ({
  accountId: account.id,
  chargesEnabled: Boolean(account.charges_enabled),
  payoutsEnabled: Boolean(account.payouts_enabled),
});

registerPayoutTransfers({
  configured: (env) => Boolean(env.STRIPE_SECRET_KEY),
  send: sendTransfer,
  reverse: reverseTransfer,
  async createAccount(env, vendor) {
    const account = await stripeClient(env).accounts.create(
      { type: "express", email: vendor.email, country: vendor.country, metadata: { vendorId: vendor.id } },
      { idempotencyKey: `connect-account:${vendor.id}` },
    );
    return account.id;
  },
  async accountLink(env, accountId, urls) {
    const link = await stripeClient(env).accountLinks.create({
      account: accountId,
      type: "account_onboarding",
      return_url: urls.returnUrl,
      refresh_url: urls.refreshUrl,
    });
    return link.url;
  },
  async readAccount(env, accountId) {
    return stateOf(await stripeClient(env).accounts.retrieve(accountId));
  },
});

/**
 * `account.updated`: the account is read again from Stripe and its current state stored on the vendor, so
 * events that arrive late, out of order or twice all leave the latest state. Answers whether a vendor has it.
 */
export async function applyConnectAccountEvent(env: Env, accountId: string): Promise<boolean> {
  return applyConnectAccount(env, stateOf(await stripeClient(env).accounts.retrieve(accountId)));
}
