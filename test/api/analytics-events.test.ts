import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { rollupDay } from "../../worker/analytics";
import worker from "../../worker/test-entry";
import { freshIp, json, postJson } from "../support/http";

const BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
const DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36";

const post = (body: unknown, headers: Record<string, string> = {}) =>
  postJson("/api/analytics/events", body, { "User-Agent": DESKTOP, "CF-Connecting-IP": freshIp(), ...headers });

async function storedFor(sessionId: string) {
  const rows = await env.DB.prepare(
    "SELECT type, subject_id AS subjectId, device, country, result_count AS resultCount FROM analytics_events WHERE session_id = ? ORDER BY type",
  )
    .bind(sessionId)
    .all<{ type: string; subjectId: string | null; device: string; country: string | null; resultCount: number | null }>();
  return rows.results;
}

/** Waits for the local queue (batch timeout 5 s) to deliver what a request sent. */
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 12_000, interval: 250 });

const message = (id: string, body: unknown) => ({ id, timestamp: new Date(), attempts: 1, body });
async function deliver(messages: ReturnType<typeof message>[]) {
  const batch = createMessageBatch(env.QUEUE_ANALYTICS, messages);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("POST /api/analytics/events (batches from the storefront script)", () => {
  it("stores a session's batch through the queue with device and country, and no User-Agent or address", async () => {
    const sessionId = "sess_batch_0000000001";
    const res = await post(
      {
        sessionId,
        events: [
          { type: "page_viewed", subjectId: "/search" },
          { type: "search_performed", subjectId: "  Linen   SHIRT ", resultCount: 0 },
          { type: "cart_item_added", subjectId: "SKU-1" },
        ],
      },
      { "User-Agent": BROWSER, "CF-IPCountry": "DE" },
    );
    expect(res.status).toBe(202);
    await poll(async () => (await storedFor(sessionId)).length).toBe(3);
    expect(await storedFor(sessionId)).toEqual([
      { type: "cart_item_added", subjectId: "SKU-1", device: "mobile", country: "DE", resultCount: null },
      { type: "page_viewed", subjectId: "/search", device: "mobile", country: "DE", resultCount: null },
      { type: "search_performed", subjectId: "linen shirt", device: "mobile", country: "DE", resultCount: 0 },
    ]);
    const columns = await env.DB.prepare("SELECT name FROM pragma_table_info('analytics_events')").all<{ name: string }>();
    expect(columns.results.map((c) => c.name)).not.toEqual(expect.arrayContaining(["user_agent", "ip"]));
  }, 20_000);

  it("withholds search texts that look like an email address or a long number", async () => {
    const sessionId = "sess_private_00000001";
    await post({
      sessionId,
      events: [
        { type: "search_performed", subjectId: "ada@example.com", resultCount: 0 },
        { type: "search_performed", subjectId: "+49 170 1234567", resultCount: 0 },
      ],
    });
    await poll(async () => (await storedFor(sessionId)).length).toBe(2);
    const texts = (await storedFor(sessionId)).map((r) => r.subjectId);
    expect(texts.join(" ")).not.toMatch(/ada|example|1234567/);
  }, 20_000);

  it("drops events of browsers sending Global Privacy Control and of bots, answering 202 all the same", async () => {
    const gpc = await post({ sessionId: "sess_gpc_000000000001", type: "page_viewed", subjectId: "/" }, { "Sec-GPC": "1" });
    const bot = await post(
      { sessionId: "sess_bot_000000000001", type: "page_viewed", subjectId: "/" },
      { "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" },
    );
    const curl = await post({ sessionId: "sess_bot_000000000002", type: "page_viewed", subjectId: "/" }, { "User-Agent": "curl/8.5.0" });
    const kept = await post({ sessionId: "sess_kept_00000000001", type: "page_viewed", subjectId: "/" });
    expect([gpc.status, bot.status, curl.status, kept.status]).toEqual([202, 202, 202, 202]);
    // The kept one arrives; by then the dropped ones, sent first, would have too.
    await poll(async () => (await storedFor("sess_kept_00000000001")).length).toBe(1);
    const dropped = await env.DB.prepare(
      "SELECT count(*) AS n FROM analytics_events WHERE session_id IN ('sess_gpc_000000000001', 'sess_bot_000000000001', 'sess_bot_000000000002')",
    ).first<{ n: number }>();
    expect(dropped?.n).toBe(0);
  }, 20_000);

  it("rejects bad batches with a problem naming each field", async () => {
    const res = await post({ sessionId: "short", events: [{ type: "page_viewed" }, { type: "bought", extra: 1 }] });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["events.1.extra", "events.1.type", "sessionId"]);
    const both = await post({ type: "page_viewed", events: [{ type: "page_viewed" }] });
    expect(((await json(both)).errors as { path: string }[]).map((e) => e.path)).toEqual(["events"]);
    const tooMany = await post({ events: Array.from({ length: 51 }, () => ({ type: "page_viewed" })) });
    expect(((await json(tooMany)).errors as { path: string }[]).map((e) => e.path)).toEqual(["events"]);
  });

  it("rate limits one client atomically: of 65 parallel batches exactly 60 pass, the rest get 429 with Retry-After", async () => {
    const ip = "198.51.100.77";
    const answers = await Promise.all(
      Array.from({ length: 65 }, (_, i) =>
        post({ sessionId: `sess_rate_${String(i).padStart(12, "0")}`, type: "page_viewed", subjectId: "/" }, { "CF-Connecting-IP": ip }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const limited = answers.find((r) => r.status === 429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await json(limited as Response)).code).toBe("analytics.rate_limited");
  }, 30_000);
});

describe("daily rollups", () => {
  const DAY = "2026-06-10";
  const at = (time: string) => `${DAY}T${time}.000Z`;
  const ev = (type: string, session: string, time: string, extra: Record<string, unknown> = {}) => ({
    type,
    subjectId: null,
    occurredAt: at(time),
    sessionId: session,
    device: "desktop",
    country: "US",
    resultCount: null,
    ...extra,
  });
  const daily = async () =>
    (
      await env.DB.prepare("SELECT metric, dimension, value FROM analytics_daily WHERE day = ? ORDER BY metric, dimension")
        .bind(DAY)
        .all<{ metric: string; dimension: string; value: number }>()
    ).results;

  it("counts a late event once, and a re-run, a redelivered message or a concurrent run never twice", async () => {
    await deliver([
      message("r-1", ev("page_viewed", "s-a", "09:00:00")),
      message("r-2", ev("product_viewed", "s-a", "09:01:00", { subjectId: "prod_r" })),
      message("r-3", ev("product_viewed", "s-a", "09:02:00", { subjectId: "prod_r" })),
      message("r-4", ev("cart_item_added", "s-a", "09:03:00", { subjectId: "SKU-R" })),
      message("r-5", ev("search_performed", "s-b", "10:00:00", { subjectId: "lamp", resultCount: 0 })),
    ]);
    await rollupDay(env, DAY, "UTC");
    const first = await daily();
    const value = (rows: typeof first, metric: string, dimension = "") => rows.find((r) => r.metric === metric && r.dimension === dimension)?.value;
    expect(value(first, "sessions")).toBe(2);
    expect(value(first, "funnel_product_view")).toBe(1);
    expect(value(first, "product_views", "prod_r")).toBe(2);
    expect(value(first, "searches_no_result", "lamp")).toBe(1);

    // Re-runs, sequential and concurrent, leave exactly the same rows.
    await rollupDay(env, DAY, "UTC");
    await Promise.all([rollupDay(env, DAY, "UTC"), rollupDay(env, DAY, "UTC"), rollupDay(env, DAY, "UTC")]);
    expect(await daily()).toEqual(first);

    // A late event of that day (delivered after the rollup) and a redelivery of one already counted.
    await deliver([
      message("r-6", ev("purchase_completed", "s-a", "23:59:59", { subjectId: "ord_r" })),
      message("r-3", ev("product_viewed", "s-a", "09:02:00", { subjectId: "prod_r" })),
    ]);
    await rollupDay(env, DAY, "UTC");
    await rollupDay(env, DAY, "UTC");
    const after = await daily();
    expect(value(after, "funnel_purchase")).toBe(1);
    expect(value(after, "product_views", "prod_r")).toBe(2);
    expect(value(after, "sessions")).toBe(2);
    expect(after.filter((r) => r.metric !== "funnel_purchase")).toEqual(first.filter((r) => r.metric !== "funnel_purchase"));
  });

  it("runs from the 15-minute cron for yesterday and today in the store's time zone", async () => {
    const { createScheduledController } = await import("cloudflare:test");
    const now = Date.now();
    await deliver([message("cron-1", { ...ev("page_viewed", "s-cron", "00:00:00"), occurredAt: new Date(now - 1000).toISOString() })]);
    const ctx = createExecutionContext();
    await worker.scheduled?.(createScheduledController({ cron: "*/15 * * * *", scheduledTime: now }), env, ctx);
    await waitOnExecutionContext(ctx);
    const today = new Date(now).toISOString().slice(0, 10);
    const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
    const runs = await env.DB.prepare("SELECT day FROM analytics_rollup_runs WHERE day IN (?, ?) ORDER BY day").bind(yesterday, today).all<{ day: string }>();
    expect(runs.results.map((r) => r.day)).toEqual([yesterday, today]);
    const sessions = await env.DB.prepare("SELECT value FROM analytics_daily WHERE day = ? AND metric = 'sessions'").bind(today).first<{ value: number }>();
    expect(sessions?.value).toBeGreaterThanOrEqual(1);
  });
});
