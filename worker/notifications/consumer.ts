import { EmailMessage } from "./schema";
import { type AdminRecipients, deliverEmail, markEmailDead } from "./service/delivery";

/** Seconds before the next try: 30 s, 1, 2, 4, 8, 16, 32 min, then hourly (`base` scales it; tests use 0). */
export function retryDelaySeconds(attempts: number, base = 30): number {
  return Math.min(3600, base * 2 ** Math.max(0, attempts - 1));
}

function retryBase(env: Env): number {
  const base = Number(env.EMAIL_RETRY_BASE_SECONDS);
  return env.EMAIL_RETRY_BASE_SECONDS !== undefined && Number.isFinite(base) && base >= 0 ? base : 30;
}

function parse(message: Message<unknown>): EmailMessage | null {
  const parsed = EmailMessage.safeParse(message.body);
  if (parsed.success) return parsed.data;
  // A retry cannot fix a malformed message: log it and let it go.
  console.error(JSON.stringify({ level: "error", msg: "dropping malformed email message", messageId: message.id }));
  message.ack();
  return null;
}

/**
 * EMAIL_QUEUE consumer: each message is acked or retried on its own, so one
 * failing email never resends the others. A provider error retries the
 * message with exponential backoff; after `max_retries` the queue moves it to
 * the dead-letter queue.
 */
export async function handleEmailBatch(batch: MessageBatch<unknown>, env: Env, admins: AdminRecipients): Promise<void> {
  for (const message of batch.messages) {
    const email = parse(message);
    if (!email) continue;
    try {
      await deliverEmail(env, email, admins);
      message.ack();
    } catch (err) {
      const delaySeconds = retryDelaySeconds(message.attempts, retryBase(env));
      console.error(
        JSON.stringify({ level: "error", msg: "email delivery failed", id: email.id, attempts: message.attempts, delaySeconds, error: String(err) }),
      );
      message.retry({ delaySeconds });
    }
  }
}

/** Dead-letter consumer: the message's unsent rows become `dead`, kept for an admin to retry. */
export async function handleEmailDeadLetters(batch: MessageBatch<unknown>, env: Env, admins: AdminRecipients): Promise<void> {
  for (const message of batch.messages) {
    const email = parse(message);
    if (!email) continue;
    try {
      const dead = await markEmailDead(env, email, admins);
      console.error(JSON.stringify({ level: "error", msg: "email gave up after retries", id: email.id, rows: dead }));
      message.ack();
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "could not record a dead email", id: email.id, error: String(err) }));
      message.retry({ delaySeconds: 60 });
    }
  }
}
