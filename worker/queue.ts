import { handleAnalyticsBatch } from "./analytics/consumer";
import { handleEmailBatch, handleEmailDeadLetters } from "./notifications/consumer";

/**
 * Routes each queue's batch to its consumer. Consumers ack or retry message
 * by message, so one bad message never replays the whole batch.
 */
export async function handleQueue(batch: MessageBatch, env: Env): Promise<void> {
  if (batch.queue === "edge-commerce-analytics") return handleAnalyticsBatch(batch as MessageBatch<unknown>, env);
  if (batch.queue === "edge-commerce-email") return handleEmailBatch(batch as MessageBatch<unknown>, env);
  if (batch.queue === "edge-commerce-email-dlq") return handleEmailDeadLetters(batch as MessageBatch<unknown>, env);
  // The analytics dead-letter queue has no consumer; anything else is a configuration mistake.
  console.error(JSON.stringify({ level: "error", msg: "no consumer for queue", queue: batch.queue, messages: batch.messages.length }));
  batch.retryAll();
}
