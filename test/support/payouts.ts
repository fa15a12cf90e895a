import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/test-entry";
import { type PayoutMessage, type PayoutView, payoutById, queuePayoutRun } from "../../worker/vendors";

let n = 0;

/**
 * Hands payout-queue messages to the Worker's queue handler, as the queue does (`attempts`: how often each was
 * delivered, this time included), and answers what the handler acked and retried.
 */
export async function deliverPayoutMessages(messages: PayoutMessage[], opts: { attempts?: number; env?: Env } = {}) {
  const batch = createMessageBatch(
    env.QUEUE_PAYOUTS,
    messages.map((body) => ({ id: `pm-${++n}-${crypto.randomUUID().slice(0, 8)}`, timestamp: new Date(), attempts: opts.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue?.(batch, opts.env ?? env, ctx);
  await waitOnExecutionContext(ctx);
  return { batch, result: await getQueueResult(batch, ctx) };
}

/** The messages a run queued, rebuilt from its answer (the run's time is `asOf`). */
export function messagesOf(run: Awaited<ReturnType<typeof queuePayoutRun>>, asOf: number): PayoutMessage[] {
  return run.queued.map((q) => ({
    kind: "payout",
    payoutId: q.payoutId,
    vendorId: q.vendorId,
    currency: q.amount.currency,
    asOf,
    actor: null,
    vendorOrderId: q.vendorOrderId,
  }));
}

/**
 * A payout run whose outcome is settled when it returns. The run puts its messages on the real local queue, which
 * delivers them to the consumer a moment later; this also hands the same messages to the consumer at once, so
 * every run here is followed by a redelivery of each message (which must change nothing). Answers the payouts the
 * run's messages created.
 */
export async function runPayoutsNow(opts: { now?: number; env?: Env } = {}) {
  const asOf = opts.now ?? Date.now();
  const run = await queuePayoutRun(opts.env ?? env, { now: asOf });
  await deliverPayoutMessages(messagesOf(run, asOf), opts);
  const created: PayoutView[] = [];
  for (const q of run.queued) {
    const exists = await env.DB.prepare("select 1 as x from payouts where id = ?").bind(q.payoutId).first();
    if (exists) created.push(await payoutById(env, q.payoutId));
  }
  return { ...run, created };
}
