import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countEventsBySubject } from "../../worker/analytics";
import worker from "../../worker/test-entry";

const message = (id: string, body: unknown) => ({ id, timestamp: new Date(), attempts: 1, body });

async function deliver(queue: string, messages: ReturnType<typeof message>[], vars: Partial<Env> = {}) {
  const batch = createMessageBatch(queue, messages);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}

// A staging store in the same account names its queues differently (wrangler.toml [env.staging]).
const STAGING = {
  QUEUE_EMAIL: "edge-commerce-staging-email",
  QUEUE_EMAIL_DLQ: "edge-commerce-staging-email-dlq",
  QUEUE_ANALYTICS: "edge-commerce-staging-analytics",
};

describe("queue routing by the environment's queue names", () => {
  it("consumes a staging-named analytics queue when the environment names it", async () => {
    const view = { type: "product_viewed", subjectId: "prod_staging", occurredAt: "2026-11-20T10:00:00.000Z" };
    const result = await deliver(STAGING.QUEUE_ANALYTICS, [message("stg-1", view)], STAGING);
    expect(result.explicitAcks).toEqual(["stg-1"]);
    expect((await countEventsBySubject(env, "product_viewed")).find((r) => r.subjectId === "prod_staging")?.count).toBe(1);
  });

  it("does not consume production's queue names in an environment that names others", async () => {
    const view = { type: "product_viewed", subjectId: "prod_elsewhere", occurredAt: "2026-11-20T10:00:00.000Z" };
    const result = await deliver("edge-commerce-analytics", [message("prod-1", view)], STAGING);
    // A queue this deployment does not own is handed back for retry, never half-consumed.
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
    expect((await countEventsBySubject(env, "product_viewed")).find((r) => r.subjectId === "prod_elsewhere")).toBeUndefined();
  });

  it("routes by the names wrangler.toml gives the default environment", async () => {
    expect([env.QUEUE_EMAIL, env.QUEUE_EMAIL_DLQ, env.QUEUE_ANALYTICS]).toEqual(["edge-commerce-email", "edge-commerce-email-dlq", "edge-commerce-analytics"]);
    const view = { type: "product_viewed", subjectId: "prod_default", occurredAt: "2026-11-20T10:00:00.000Z" };
    expect((await deliver(env.QUEUE_ANALYTICS, [message("def-1", view)])).explicitAcks).toEqual(["def-1"]);
  });
});
