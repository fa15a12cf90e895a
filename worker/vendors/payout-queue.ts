import { PayoutMessage } from "./schema";
import { reverseRefundedPayout } from "./service/payout-reversals";
import { type PayoutStep, runPayout } from "./service/payout-runs";

/**
 * Seconds before a payout message is tried again after attempt `attempts` (1 for the first delivery): 30 s,
 * doubling, at most an hour. With the queue's `max_retries` of 10 a transfer is tried for about four hours.
 */
export function payoutRetryDelay(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

/**
 * PAYOUT_QUEUE consumer. Messages run one after another (two payouts of one seller, or a payout and a
 * reversal, never interleave within a batch; the queue's `max_concurrency = 1` keeps batches apart too), and
 * each is acked or retried on its own, so one unreachable Stripe call never replays the others. A malformed
 * message is acked and logged: a retry cannot fix it.
 */
export async function handlePayoutBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = PayoutMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ level: "warn", msg: "dropping malformed payout message", messageId: message.id }));
      message.ack();
      continue;
    }
    let step: PayoutStep;
    try {
      step = parsed.data.kind === "payout" ? await runPayout(env, parsed.data) : await reverseRefundedPayout(env, parsed.data);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "payout message failed", messageId: message.id, error: String(err) }));
      step = "retry";
    }
    if (step === "done") message.ack();
    else message.retry({ delaySeconds: payoutRetryDelay(message.attempts) });
  }
}
