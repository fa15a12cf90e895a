import { AnalyticsMessage } from "./schema";
import { storeEvents } from "./service/events";

/**
 * ANALYTICS_QUEUE consumer. Malformed messages are acked and logged (a retry
 * cannot fix them); a storage failure retries the valid ones.
 */
export async function handleAnalyticsBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: { id: string; body: AnalyticsMessage; message: Message<unknown> }[] = [];
  for (const message of batch.messages) {
    const parsed = AnalyticsMessage.safeParse(message.body);
    if (parsed.success) valid.push({ id: message.id, body: parsed.data, message });
    else {
      console.error(JSON.stringify({ level: "warn", msg: "dropping malformed analytics message", messageId: message.id }));
      message.ack();
    }
  }
  try {
    await storeEvents(env, valid);
    for (const v of valid) v.message.ack();
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "analytics batch failed", error: String(err) }));
    for (const v of valid) v.message.retry({ delaySeconds: 10 });
  }
}
