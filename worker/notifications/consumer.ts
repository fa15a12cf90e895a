import { EmailMessage } from "./schema";
import { deliverEmail } from "./service";

/**
 * EMAIL_QUEUE consumer: each message is acked or retried on its own, so one
 * failing email never resends the others; after max_retries the queue moves
 * it to the dead-letter queue.
 */
export async function handleEmailBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = EmailMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ level: "error", msg: "dropping malformed email message", messageId: message.id }));
      message.ack();
      continue;
    }
    try {
      await deliverEmail(env, parsed.data);
      message.ack();
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "email delivery failed", id: parsed.data.id, attempts: message.attempts, error: String(err) }));
      message.retry({ delaySeconds: Math.min(600, 2 ** message.attempts * 5) });
    }
  }
}
