import type { AuditActor } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { newId } from "../../lib/ids";
import type { PayoutMessage, PayoutRunResult, QueuedPayout } from "../schema";
import type { PayoutMethod } from "../tables";
import { ledgerEntryStatement } from "./ledger";
import { coveredSql, cutoffOf, payableVendorOrders, planPayout, settledBalances, settledSql, voNetSql, voReleasedSql } from "./payout-balances";
import { stripeReadyOf, transmit } from "./payout-transfers";
import { payoutRow } from "./payouts";

// Scheduling payouts: a run queues one message per payout to make, and the queue consumer makes and sends each.

/**
 * A payout run (the daily cron, or staff with "Run payouts now"): messages on the payouts queue, each carrying the
 * id its payout will have. A seller paid through Stripe Connect gets one per payable vendor order (one transfer
 * each) and one for a positive settled balance; a seller paid by hand one for everything payable. The consumer
 * (`runPayout`) creates and sends the payouts; nothing is written here, so a run that dies half-way leaves nothing
 * to repair (the next run finds the same vendor orders).
 */
export async function queuePayoutRun(env: Env, opts: { now?: number; actor?: AuditActor } = {}): Promise<PayoutRunResult> {
  const asOf = opts.now ?? Date.now();
  const cutoff = await cutoffOf(env, asOf);
  const queued: QueuedPayout[] = [];
  const messages: PayoutMessage[] = [];
  const payable = await payableVendorOrders(env, cutoff);
  const actor = opts.actor ?? null;
  for (const row of await settledBalances(env, cutoff)) {
    const vos = payable.filter((vo) => vo.vendorId === row.vendorId && vo.currency === row.currency);
    const queue = (amount: number, vendorOrderId: string | null) => {
      const payoutId = newId("po");
      queued.push({ payoutId, vendorId: row.vendorId, vendorOrderId, amount: { amount, currency: row.currency } });
      messages.push({ kind: "payout", payoutId, vendorId: row.vendorId, currency: row.currency, asOf, actor, vendorOrderId });
    };
    if (stripeReadyOf(env, row)) {
      // Stripe Connect: one transfer per vendor order (the consumer nets a debt against them in turn), and the
      // settled balance on its own when it is positive (sales without a vendor order, adjustments).
      const plan = planPayout(vos, row.settled, true);
      plan.items.forEach((item) => {
        if (item.amount > 0 || item.netted > 0) queue(item.amount, item.vo);
      });
      if (plan.loose > 0) queue(plan.loose, null);
    } else {
      // Manual: one bank transfer for everything payable; the payout still names the vendor orders it covers.
      const plan = planPayout(vos.slice(0, MAX_ITEMS), row.settled, true);
      if (plan.total > 0) queue(plan.total, null);
    }
  }
  await sendPayoutMessages(env, messages);
  return { queued, cutoff };
}

/** Vendor orders one manual payout covers at most (the rest wait for the next run). */
const MAX_ITEMS = 50;

/** Sends messages to the payouts queue, at most 100 per call (the queue's batch limit). */
export async function sendPayoutMessages(env: Env, messages: PayoutMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) {
    await env.PAYOUT_QUEUE.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}

/** What the consumer does with a message after handling it: done (ack), or try again later. */
export type PayoutStep = "done" | "retry";

/**
 * One payout, from its queue message: creates the payout with its items and `transfer` ledger entries in one
 * batch, then sends a Stripe Connect payout's transfer. A message naming a vendor order pays that vendor order
 * (less what it nets of a negative balance); one without pays a Stripe seller's positive settled balance, or a
 * manual seller everything payable in one bank transfer. The insert re-computes, inside its own batch, that every
 * vendor order is still unpaid with the same net and that the settled balance is what was read, so two runs at
 * once (or a run and a refund) never pay twice: the loser reads again and finds nothing left. A redelivered message
 * finds its payout by id and changes nothing once it is sent. Answers `retry` when Stripe could not be reached (the
 * payout stays pending and the queue tries again later); a refusal fails the payout and credits the amount back.
 */
export async function runPayout(env: Env, msg: Extract<PayoutMessage, { kind: "payout" }>): Promise<PayoutStep> {
  for (let attempt = 0; attempt < 3 && !(await payoutRow(env, msg.payoutId)); attempt++) {
    if ((await createPayout(env, msg)) !== "lost") break;
  }
  const row = await payoutRow(env, msg.payoutId);
  if (!row) return "done";
  return (await transmit(env, row)) === "retry" ? "retry" : "done";
}

async function createPayout(env: Env, msg: Extract<PayoutMessage, { kind: "payout" }>): Promise<"created" | "nothing" | "lost"> {
  const cutoff = await cutoffOf(env, msg.asOf);
  const vendorOrderId = msg.vendorOrderId ?? null;
  const vendor = (await settledBalances(env, cutoff, msg.vendorId)).find((b) => b.currency === msg.currency);
  if (!vendor) return "nothing";
  const stripeReady = stripeReadyOf(env, vendor);
  const payable = await payableVendorOrders(env, cutoff, msg.vendorId, msg.currency);
  const vos = vendorOrderId ? payable.filter((vo) => vo.id === vendorOrderId) : stripeReady ? [] : payable.slice(0, MAX_ITEMS);
  if (vendorOrderId && vos.length === 0) return "nothing";
  const plan = planPayout(vos, vendor.settled, !vendorOrderId);
  const provider: PayoutMethod = stripeReady ? "stripe_connect" : "manual";
  const { payoutId: id, actor } = msg;
  const at = new Date().toISOString();
  const single = vendorOrderId ? (plan.items[0] ?? null) : null;
  const itemsJson = JSON.stringify(plan.items);
  // Inside the batch: every vendor order still unpaid with the net read, and the settled balance as read (only
  // its negative part matters when nothing loose is paid).
  const settledGuard = plan.loose > 0 ? `${settledSql("?2", "?3", "?4")} = ?5` : `min(0, ${settledSql("?2", "?3", "?4")}) = min(0, ?5)`;
  const itemsGuard = `not exists (select 1 from json_each(?6) j where ${coveredSql("json_extract(j.value, '$.vo')")}
       or ${voNetSql("json_extract(j.value, '$.vo')")} <> json_extract(j.value, '$.net')
       or not (${voReleasedSql("json_extract(j.value, '$.vo')", "?4")}))`;
  const active = "exists (select 1 from vendors where id = ?2 and status = 'active')";
  if (single && plan.total <= 0) {
    // The whole net pays back what the seller owes: nothing is sent; the vendor order counts as paid out.
    const [netted] = await runBatch(env.DB, [
      env.DB.prepare(
        `insert into payout_items (id, payout_id, vendor_id, vendor_order_id, order_id, amount, netted, created_at)
         select ?1, null, ?2, ?7, ?8, 0, ?9, ?10 where ${active} and ${settledGuard} and ${itemsGuard}`,
      ).bind(newId("pit"), msg.vendorId, msg.currency, cutoff, vendor.settled, itemsJson, single.vo, single.orderId, single.netted, at),
    ]);
    return changesOf(netted) === 1 ? "nothing" : "lost";
  }
  if (plan.total <= 0) return "nothing";
  // The Stripe key is the vendor order's (a payout retried after a failed one gets a key of its own).
  const failedBefore = single
    ? await env.DB.prepare("select count(*) as n from payouts where vendor_order_id = ? and status = 'failed'").bind(single.vo).first<{ n: number }>()
    : null;
  const key = single ? `transfer:${single.vo}${failedBefore?.n ? `:${id}` : ""}` : `payout:${id}`;
  const exists = "exists (select 1 from payouts where id = ? and amount = ?)";
  const [insert] = await runBatch(env.DB, [
    env.DB.prepare(
      `insert into payouts (id, vendor_id, amount, currency, provider, status, destination, idempotency_key, vendor_order_id, order_id, created_at, updated_at)
       select ?1, ?2, ?7, ?3, ?8, 'pending', ?9, ?10, ?11, ?12, ?13, ?13
        where ?7 > 0 and ${active} and ${settledGuard} and ${itemsGuard}
          and not exists (select 1 from payouts where id = ?1)
       on conflict do nothing`,
    ).bind(
      id,
      msg.vendorId,
      msg.currency,
      cutoff,
      vendor.settled,
      itemsJson,
      plan.total,
      provider,
      stripeReady ? vendor.account : null,
      key,
      single?.vo ?? null,
      single?.orderId ?? null,
      at,
    ),
    env.DB.prepare(
      `insert into payout_items (id, payout_id, vendor_id, vendor_order_id, order_id, amount, netted, created_at)
       select ?1 || '_' || j.key, ?2, ?3, json_extract(j.value, '$.vo'), json_extract(j.value, '$.orderId'), json_extract(j.value, '$.amount'),
              json_extract(j.value, '$.netted'), ?4
         from json_each(?5) j where exists (select 1 from payouts where id = ?2 and amount = ?6 and created_at = ?4)
       on conflict do nothing`,
    ).bind(newId("pit"), id, msg.vendorId, at, itemsJson, plan.total),
    // One transfer entry per vendor order (so the ledger says which vendor orders the payout covers) and one for the loose part.
    ...plan.items.map((item) =>
      ledgerEntryStatement(
        env.DB,
        {
          vendorId: msg.vendorId,
          kind: "transfer",
          amount: -item.amount,
          currency: msg.currency,
          orderId: item.orderId,
          vendorOrderId: item.vo,
          key: single ? `payout:${id}` : `payout:${id}:${item.vo}`,
          note: `Payout ${id} for vendor order ${item.vo}`,
        },
        { sql: exists, params: [id, plan.total] },
      ),
    ),
    ledgerEntryStatement(
      env.DB,
      { vendorId: msg.vendorId, kind: "transfer", amount: -plan.loose, currency: msg.currency, key: `payout:${id}`, note: `Payout ${id}` },
      { sql: exists, params: [id, plan.total] },
    ),
    ...(actor
      ? [
          env.DB.prepare(
            `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
             select ?, ?, ?, 'payout.create', 'payout', ?, null, ?, ? where exists (select 1 from payouts where id = ? and created_at = ?)
               and not exists (select 1 from audit_log where entity_type = 'payout' and entity_id = ? and action = 'payout.create')`,
          ).bind(
            newId("aud"),
            actor.actorId,
            actor.actorEmail,
            id,
            JSON.stringify({ vendorId: msg.vendorId, amount: plan.total, currency: msg.currency, provider, vendorOrders: plan.items.map((i) => i.vo) }),
            actor.requestId,
            id,
            at,
            id,
          ),
        ]
      : []),
  ]);
  return changesOf(insert) === 1 ? "created" : "lost";
}
