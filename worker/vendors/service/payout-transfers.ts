import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import type { PayoutView } from "../schema";
import { failStatements, type PayoutRow, payoutById, payoutRow } from "./payouts";

// Stripe Connect transfers: the client payments registers, and sending one payout's transfer.

/** What the payments domain answers for one transfer: done (with the provider's id), or refused for good, or not now. */
export type TransferResult = { ok: true; reference: string } | { ok: false; permanent: boolean; reason: string };

/**
 * How money reaches a connected account. The vendors domain comes before payments in the layer order, so
 * payments registers its Stripe Connect client here (`registerPayoutTransfers`) instead of being imported.
 */
export interface PayoutTransfers {
  /** Whether transfers can be sent from this deployment (a Stripe key is configured). */
  configured(env: Env): boolean;
  /** Sends `amount` to `destination` carrying `key` as the provider's idempotency key: a repeat makes no second transfer. */
  send(
    env: Env,
    transfer: { payoutId: string; key: string; amount: number; currency: string; destination: string; orderId: string | null },
  ): Promise<TransferResult>;
  /**
   * Takes `amount` back from a transfer already made (a refund of a sale that was paid out), carrying `key` as
   * the provider's idempotency key: a repeat makes no second reversal.
   */
  reverse(env: Env, reversal: { transferId: string; key: string; amount: number; refundKey: string }): Promise<TransferResult>;
  /** Creates the vendor's connected account (idempotent per vendor) and answers its id. */
  createAccount(env: Env, vendor: { id: string; email: string; country: string }): Promise<string>;
  /** A one-time onboarding link for the account; Stripe sends the vendor back to `returnUrl` (or `refreshUrl` when it expired). */
  accountLink(env: Env, accountId: string, urls: { returnUrl: string; refreshUrl: string }): Promise<string>;
  /** The account's state as Stripe has it now. */
  readAccount(env: Env, accountId: string): Promise<ConnectAccountState>;
}

/** What the store keeps of a connected account: whether it can take charges and receive payouts. */
export interface ConnectAccountState {
  accountId: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
}

let transfers: PayoutTransfers | null = null;

/** Registers the transfer client (payments does, at load). */
export function registerPayoutTransfers(client: PayoutTransfers): void {
  transfers = client;
}

/** The transfer client when this deployment can send transfers, else null (every payout is manual). */
export function payoutClient(env: Env): PayoutTransfers | null {
  return transfers?.configured(env) ? transfers : null;
}

/** Whether a seller is paid through Stripe Connect now: its account can receive payouts and transfers can be sent. */
export const stripeReadyOf = (env: Env, v: { method: string; account: string | null; enabled: number }) =>
  Boolean(v.method === "stripe" && v.account && v.enabled && transfers?.configured(env));

/**
 * Sends one Stripe Connect payout (a pending one; anything else is answered as it is). The transfer carries the
 * payout's idempotency key, so a replay, a retry after a network error or two senders at once make exactly one
 * transfer; the status moves only from `pending`. A refusal (the account cannot receive transfers) fails the
 * payout and credits the amount back with a `transfer_reversal` entry in the same batch; a network error leaves
 * it pending (the queue message that carries it is retried).
 */
export async function sendPayout(env: Env, payoutId: string): Promise<PayoutView> {
  const row = await payoutRow(env, payoutId);
  if (!row) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  await transmit(env, row);
  return payoutById(env, payoutId);
}

/** Sends a pending Stripe Connect payout's transfer; see `sendPayout`. */
export async function transmit(env: Env, row: PayoutRow): Promise<"sent" | "failed" | "retry" | "skipped"> {
  if (row.status !== "pending" || row.provider !== "stripe_connect" || !row.destination) return "skipped";
  if (!transfers?.configured(env)) return "retry";
  const result = await transfers.send(env, {
    payoutId: row.id,
    key: row.idempotencyKey,
    amount: row.amount,
    currency: row.currency,
    destination: row.destination,
    orderId: row.orderId,
  });
  const at = new Date().toISOString();
  if (result.ok) {
    await env.DB.prepare("update payouts set status = 'paid', provider_reference = ?1, paid_at = ?2, updated_at = ?2 where id = ?3 and status = 'pending'")
      .bind(result.reference, at, row.id)
      .run();
    return "sent";
  }
  if (result.permanent) {
    await runBatch(env.DB, failStatements(env, row, result.reason, at));
    return "failed";
  }
  console.warn(JSON.stringify({ level: "warn", msg: "payout transfer not sent", payoutId: row.id, reason: result.reason }));
  return "retry";
}
