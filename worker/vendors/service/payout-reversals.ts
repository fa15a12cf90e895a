import { runBatch } from "../../lib/d1-batch";
import { type EmailMessage, enqueueEmail, queuedEmailStatement } from "../../notifications";
import type { PayoutMessage } from "../schema";
import { ledgerEntryStatement } from "./ledger";
import { cutoffOf, settledSql } from "./payout-balances";
import type { PayoutStep } from "./payout-runs";
import { payoutClient } from "./payout-transfers";
import { orderNumbersOf } from "./payouts";

// Taking a refunded sale's share back from the Stripe transfers that paid it, and telling the seller.

/**
 * The emails that announce a transfer reversal to the seller's owner and finance members, each with an id derived
 * from the reversal's ledger key and the member, so writing or queueing them again sends nothing twice.
 */
async function reversalEmails(env: Env, r: { vendorId: string; amount: number; currency: string; orderId: string; key: string }): Promise<EmailMessage[]> {
  const [members, vendor, numbers] = await Promise.all([
    env.DB.prepare(
      "select u.id, u.email from vendor_members m join users u on u.id = m.user_id where m.vendor_id = ? and m.role in ('owner', 'finance') order by u.id",
    )
      .bind(r.vendorId)
      .all<{ id: string; email: string }>(),
    env.DB.prepare("select name from vendors where id = ?").bind(r.vendorId).first<{ name: string }>(),
    orderNumbersOf(env, [r.orderId]),
  ]);
  return members.results.map((m) => ({
    id: `payout-reversed:${r.key}:${m.id}`,
    template: "vendor_payout_reversed" as const,
    to: m.email,
    data: {
      vendorName: vendor?.name ?? "",
      amount: r.amount,
      currency: r.currency,
      orderNumber: numbers.get(r.orderId) ?? r.orderId,
      url: `${(env.PUBLIC_ORIGIN || "").replace(/\/+$/, "")}/vendor/payouts`,
    },
  }));
}

async function queueEmails(env: Env, messages: EmailMessage[]) {
  for (const message of messages) await enqueueEmail(env.EMAIL_QUEUE, message);
}

/**
 * After a refund: the seller's share of it, for each of its vendor orders in that order that was already paid
 * out, is taken back from the transfers that paid it: first the transfer of that vendor order, then the seller's
 * other Stripe transfers, newest first, each with a transfer reversal keyed by that payout and the refund (so a
 * redelivered message reverses once), and credited with a `transfer_reversal` entry under the same key. Never
 * more than the seller owes on its settled balance (a positive one absorbs the refund). What no transfer covers,
 * or what Stripe refuses (the connected account's balance is short), stays as a negative balance that the next
 * transfer nets. A network error answers `retry`.
 */
export async function reverseRefundedPayout(env: Env, msg: Extract<PayoutMessage, { kind: "reversal" }>): Promise<PayoutStep> {
  const transfers = payoutClient(env);
  if (!transfers) return "done";
  const cut = msg.refundKey.lastIndexOf(":");
  const orderId = msg.refundKey.slice(0, cut);
  const after = msg.refundKey.slice(cut + 1);
  const cutoff = await cutoffOf(env, Date.now());
  // The seller's share of THIS refund on vendor orders paid out before it was recorded.
  const share = await env.DB.prepare(
    `select coalesce(-sum(e.amount), 0) as share, max(e.vendor_order_id) as vo from vendor_ledger e
      where e.vendor_id = ?1 and e.currency = ?2 and e.order_id = ?3 and e.kind in ('refund', 'commission_refund')
        and e.idempotency_key = e.kind || ':' || e.vendor_order_id || ':' || ?4
        and exists (select 1 from payout_items i where i.vendor_order_id = e.vendor_order_id and i.created_at <= e.created_at
                      and (i.payout_id is null or exists (select 1 from payouts pc where pc.id = i.payout_id and pc.status <> 'failed')))`,
  )
    .bind(msg.vendorId, msg.currency, orderId, after)
    .first<{ share: number; vo: string | null }>();
  const done = await env.DB.prepare(
    "select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ? and kind = 'transfer_reversal' and idempotency_key like 'clawback:%' and substr(idempotency_key, -length(?)) = ?",
  )
    .bind(msg.vendorId, `:${msg.refundKey}`, `:${msg.refundKey}`)
    .first<{ n: number }>();
  const settled = await env.DB.prepare(`select ${settledSql("?1", "?2", "?3")} as n`)
    .bind(msg.vendorId, msg.currency, cutoff)
    .first<{ n: number }>();
  const already = done?.n ?? 0;
  // What the seller owed before this refund's reversals were credited, capped by the share.
  const target = Math.min(share?.share ?? 0, Math.max(0, already - (settled?.n ?? 0)));
  let remaining = target - already;
  if (remaining <= 0) return "done";
  const sources = await env.DB.prepare(
    `select p.id, p.provider_reference as transferId, p.vendor_order_id as vendorOrderId, p.order_id as orderId,
            p.amount - coalesce((select sum(l.amount) from vendor_ledger l
              where l.vendor_id = p.vendor_id and l.kind = 'transfer_reversal' and substr(l.idempotency_key, 1, length('clawback:' || p.id || ':')) = 'clawback:' || p.id || ':'), 0) as reversible,
            exists (select 1 from vendor_ledger k where k.idempotency_key = 'clawback:' || p.id || ':' || ?3) as used
       from payouts p
      where p.vendor_id = ?1 and p.currency = ?2 and p.provider = 'stripe_connect' and p.status = 'paid' and p.provider_reference is not null
      order by (p.order_id = ?4) desc, p.paid_at desc, p.id desc limit 50`,
  )
    .bind(msg.vendorId, msg.currency, msg.refundKey, orderId)
    .all<{ id: string; transferId: string; vendorOrderId: string | null; orderId: string | null; reversible: number; used: number }>();
  for (const from of sources.results) {
    if (remaining <= 0) break;
    const key = `clawback:${from.id}:${msg.refundKey}`;
    if (from.used) {
      // Recorded by an earlier delivery, which may have died before queueing its emails: queue them again (each id sends once).
      const entry = await env.DB.prepare("select amount from vendor_ledger where idempotency_key = ?").bind(key).first<{ amount: number }>();
      if (entry) await queueEmails(env, await reversalEmails(env, { vendorId: msg.vendorId, amount: entry.amount, currency: msg.currency, orderId, key }));
      continue;
    }
    if (from.reversible <= 0) continue;
    const amount = Math.min(remaining, from.reversible);
    const result = await transfers.reverse(env, { transferId: from.transferId, key, amount, refundKey: msg.refundKey });
    if (!result.ok) {
      console.warn(JSON.stringify({ level: "warn", msg: "transfer reversal not made", vendorId: msg.vendorId, payoutId: from.id, reason: result.reason }));
      // Refused for good (the account's balance is short): what is left stays owed and the next transfer nets it.
      return result.permanent ? "done" : "retry";
    }
    // The email is written into the outbox in the same batch as the entry: a retry finds both and writes neither.
    const emails = await reversalEmails(env, { vendorId: msg.vendorId, amount, currency: msg.currency, orderId, key });
    await runBatch(env.DB, [
      ledgerEntryStatement(env.DB, {
        vendorId: msg.vendorId,
        kind: "transfer_reversal",
        amount,
        currency: msg.currency,
        orderId: from.orderId,
        vendorOrderId: from.vendorOrderId,
        key,
        note: `Reversal ${result.reference} of transfer ${from.transferId} (payout ${from.id}) after a refund of order ${orderId}`,
      }),
      ...(await Promise.all(emails.map((email) => queuedEmailStatement(env, email)))),
    ]);
    await queueEmails(env, emails);
    remaining -= amount;
  }
  return "done";
}
