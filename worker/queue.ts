import { handleAnalyticsBatch } from "./analytics/consumer";

/**
 * Routes each queue's batch to its consumer. Consumers ack or retry message
 * by message, so one bad message never replays the whole batch.
 */
export async function handleQueue(batch: MessageBatch, env: Env): Promise<void> {
  if (batch.queue.startsWith("edge-commerce-analytics")) return handleAnalyticsBatch(batch as MessageBatch<unknown>, env);
  // No consumer yet for this queue (email arrives with the notifications
  // issue): retry, and after max_retries the dead-letter queue keeps them.
  console.error(JSON.stringify({ level: "error", msg: "no consumer for queue", queue: batch.queue, messages: batch.messages.length }));
  batch.retryAll();
}
