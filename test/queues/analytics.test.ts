import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countEventsBySubject } from "../../worker/analytics";
import worker from "../../worker/test-entry";

const message = (id: string, body: unknown) => ({ id, timestamp: new Date(), attempts: 1, body });

async function deliver(messages: ReturnType<typeof message>[]) {
  const batch = createMessageBatch("edge-commerce-analytics", messages);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, env, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}

describe("ANALYTICS_QUEUE consumer", () => {
  it("stores each event once even when the same message is delivered twice", async () => {
    const view = { type: "product_viewed", subjectId: "prod_a", occurredAt: "2026-11-20T10:00:00.000Z" };
    const first = await deliver([message("m-1", view), message("m-2", view), message("m-3", { ...view, subjectId: "prod_b" })]);
    expect(first.explicitAcks.sort()).toEqual(["m-1", "m-2", "m-3"]);
    expect(first.retryMessages).toEqual([]);
    // At-least-once delivery: m-2 arrives again.
    await deliver([message("m-2", view)]);
    const counts = await countEventsBySubject(env, "product_viewed");
    expect(counts).toEqual([
      { subjectId: "prod_a", count: 2 },
      { subjectId: "prod_b", count: 1 },
    ]);
  });

  it("acks malformed messages without storing them (a retry cannot fix them)", async () => {
    const result = await deliver([message("bad-1", { type: "nonsense" }), message("bad-2", "not an object")]);
    expect(result.explicitAcks.sort()).toEqual(["bad-1", "bad-2"]);
    const row = await env.DB.prepare("select count(*) as n from analytics_events where id like 'bad-%'").first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it("is fed by POST /api/analytics/events through the real queue", async () => {
    const res = await exports.default.fetch("http://store.test/api/analytics/events", {
      method: "POST",
      // A browser's User-Agent: requests without one are treated as scripted and dropped.
      headers: { "Content-Type": "application/json", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36" },
      body: JSON.stringify({ type: "category_viewed", subjectId: "shirts" }),
    });
    expect(res.status).toBe(202);
    // The local queue delivers within its batch timeout (5 s).
    await expect
      .poll(async () => (await countEventsBySubject(env, "category_viewed")).find((r) => r.subjectId === "shirts")?.count, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(1);
  }, 15_000);
});

describe("scheduled sweep", () => {
  it("prunes analytics events older than 90 days and keeps recent ones", async () => {
    const old = new Date(Date.now() - 100 * 86_400_000).toISOString();
    await deliver([
      message("old-1", { type: "search_performed", subjectId: "socks", occurredAt: old }),
      message("new-1", { type: "search_performed", subjectId: "socks", occurredAt: new Date().toISOString() }),
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled?.(createScheduledController({ cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const ids = await env.DB.prepare("select id from analytics_events where type = 'search_performed'").all<{ id: string }>();
    expect(ids.results.map((r) => r.id)).toEqual(["new-1"]);
  });
});
