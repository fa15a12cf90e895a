import { listActiveAdminEmails } from "./accounts";
import { handleAnalyticsBatch } from "./analytics";
import { handleEmailBatch, handleEmailDeadLetters } from "./notifications";
import { handlePayoutBatch } from "./vendors";

/** The queues this Worker consumes; their names come from the environment's vars (wrangler.toml), never from code. */
export type QueueRole = "email" | "email-dead-letters" | "analytics" | "payouts";

type Consumer = (batch: MessageBatch<unknown>, env: Env) => Promise<void>;

const CONSUMERS: Record<QueueRole, Consumer> = {
  // Messages to "admins" fan out to the accounts that are admins now; notifications cannot look them up itself.
  email: (batch, env) => handleEmailBatch(batch, env, listActiveAdminEmails),
  "email-dead-letters": (batch, env) => handleEmailDeadLetters(batch, env, listActiveAdminEmails),
  analytics: handleAnalyticsBatch,
  payouts: handlePayoutBatch,
};

/**
 * The role of a queue by its name, as configured for this deployment: `QUEUE_EMAIL`, `QUEUE_EMAIL_DLQ` and
 * `QUEUE_ANALYTICS` (and `QUEUE_PAYOUTS`) name the queues that the producers and consumers of the same environment in wrangler.toml
 * use, so a staging and a production store can live in one account with queues of their own.
 */
export function queueRole(env: Env, queue: string): QueueRole | null {
  if (queue === env.QUEUE_EMAIL) return "email";
  if (queue === env.QUEUE_EMAIL_DLQ) return "email-dead-letters";
  if (queue === env.QUEUE_ANALYTICS) return "analytics";
  if (queue === env.QUEUE_PAYOUTS) return "payouts";
  return null;
}

/**
 * Routes each queue's batch to its consumer. Consumers ack or retry message
 * by message, so one bad message never replays the whole batch.
 */
export async function handleQueue(batch: MessageBatch, env: Env): Promise<void> {
  const role = queueRole(env, batch.queue);
  if (role) return CONSUMERS[role](batch as MessageBatch<unknown>, env);
  // The analytics dead-letter queue has no consumer; anything else is a configuration mistake.
  console.error(JSON.stringify({ level: "error", msg: "no consumer for queue", queue: batch.queue, messages: batch.messages.length }));
  batch.retryAll();
}
