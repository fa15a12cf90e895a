import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../worker/notifications/consumer";
import type { EmailMessage } from "../../worker/notifications/schema";
import worker from "../../worker/test-entry";
import type { FakeEmailRequest } from "../support/fake-email-provider";

type Body = EmailMessage;
const message = (body: Body, attempts = 1) => ({ id: `q-${body.id}-${attempts}`, timestamp: new Date(), attempts, body });

async function deliver(queue: string, messages: ReturnType<typeof message>[], vars: Partial<Env> = {}) {
  const batch = createMessageBatch(queue, messages);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}

/** The provider settings of a test: Resend, pointed at its own scenario of the fake provider. */
function resendAt(scenario: string): Partial<Env> {
  return {
    EMAIL_PROVIDER: "resend",
    EMAIL_FROM: "Northwind Goods <orders@shop.test>",
    EMAIL_API_KEY: "re_test_key",
    EMAIL_API_BASE: `http://fake-email.test/${scenario}`,
  };
}
const control = (scenario: string, body: { down?: boolean; failNext?: number }) =>
  fetch(`http://fake-email.test/${scenario}/__control`, { method: "POST", body: JSON.stringify(body) });
const requestsAt = async (scenario: string) => (await (await fetch(`http://fake-email.test/${scenario}/__requests`)).json()) as FakeEmailRequest[];

const outboxRows = (id: string) =>
  env.DB.prepare(
    "select id, template, to_address, status, attempts, provider, provider_message_id, last_error, payload, sent_at from email_outbox where id = ?1 or id like ?1 || ':%'",
  )
    .bind(id)
    .all<{
      id: string;
      template: string;
      to_address: string;
      status: string;
      attempts: number;
      provider: string;
      provider_message_id: string | null;
      last_error: string | null;
      payload: string | null;
      sent_at: string | null;
    }>()
    .then((r) => r.results);

const url = "https://shop.test/orders/ord_1?token=abc";
const withHiddenLink = (m: unknown) => JSON.parse(JSON.stringify(m).replace(/([?&]token=)[^&"]+/g, "$1hidden"));
/** One message of every template (the orders' ids are what the order lifecycle sends). */
const EVERY_TEMPLATE: Body[] = [
  { id: "tpl-welcome-1", template: "welcome", to: "ada@example.test", data: { name: "Ada" } },
  { id: "tpl-verify-1", template: "verify_email", to: "ada@example.test", data: { name: "Ada", url: "https://shop.test/account/verify-email?token=t1" } },
  {
    id: "tpl-reset-1",
    template: "password_reset",
    to: "ada@example.test",
    data: { name: "Ada", url: "https://shop.test/account/reset-password?token=t2", expiresInMinutes: 60 },
  },
  { id: "tpl-pwchanged-1", template: "password_changed", to: "ada@example.test", data: { name: "Ada" } },
  { id: "tpl-confirm-1", template: "order_confirmation", to: "ada@example.test", data: { number: "NW-1001", total: 4599, currency: "USD", url } },
  {
    id: "tpl-paid-1",
    template: "payment_received",
    to: "ada@example.test",
    data: { number: "NW-1001", amount: 4599, currency: "USD", provider: "stripe", url },
  },
  {
    id: "tpl-shipped-1",
    template: "order_shipped",
    to: "ada@example.test",
    data: {
      number: "NW-1001",
      carrier: "UPS",
      trackingNumber: "1Z999",
      trackingUrl: "https://ups.test/track/1Z999",
      items: [{ name: "Mug", quantity: 2 }],
      url,
    },
  },
  { id: "tpl-delivered-1", template: "order_delivered", to: "ada@example.test", data: { number: "NW-1001", url } },
  {
    id: "tpl-cancelled-1",
    template: "order_cancelled",
    to: "ada@example.test",
    data: { number: "NW-1001", refundAmount: 4599, currency: "USD", reason: "Changed mind", url },
  },
  { id: "tpl-refunded-1", template: "order_refunded", to: "ada@example.test", data: { number: "NW-1001", amount: 1000, currency: "USD", full: false, url } },
];

async function insertAdmin(email: string) {
  const id = `usr_${email.replace(/\W/g, "")}`;
  await env.DB.prepare("insert into users (id, email, name, role, status) values (?, ?, ?, 'admin', 'active')").bind(id, email, "Admin").run();
  return id;
}

describe("EMAIL_QUEUE consumer: sent once", () => {
  it("stores each template in the outbox exactly once when every message is delivered twice", async () => {
    const first = await deliver(
      "edge-commerce-email",
      EVERY_TEMPLATE.map((m) => message(m)),
    );
    expect(first.retryMessages).toEqual([]);
    const again = await deliver(
      "edge-commerce-email",
      EVERY_TEMPLATE.map((m) => message(m, 2)),
    );
    expect(again.explicitAcks).toHaveLength(EVERY_TEMPLATE.length);
    for (const m of EVERY_TEMPLATE) {
      const rows = await outboxRows(m.id);
      expect(rows, m.template).toHaveLength(1);
      expect(rows[0]).toMatchObject({ template: m.template, status: "sent", attempts: 1, provider: "outbox", provider_message_id: m.id });
      // Kept for "Send again", with any one-time link hidden.
      expect(JSON.parse(rows[0]?.payload ?? "null")).toEqual(withHiddenLink(m));
    }
  });

  it("leaves a row another delivery is sending alone, retries later, and takes it over once that delivery is presumed dead", async () => {
    const m: Body = { id: "busy-welcome-1", template: "welcome", to: "busy@example.test", data: { name: "Bea" } };
    const claimedAt = new Date().toISOString();
    await env.DB.prepare(
      "insert into email_outbox (id, template, to_address, subject, text, html, provider, status, attempts, created_at, updated_at) values (?, 'welcome', 'busy@example.test', 's', 't', 'h', 'outbox', 'sending', 1, ?2, ?2)",
    )
      .bind(m.id, claimedAt)
      .run();
    const busy = await deliver("edge-commerce-email", [message(m, 2)]);
    expect(busy.retryMessages).toEqual([{ msgId: `q-${m.id}-2` }]);
    expect((await outboxRows(m.id))[0]).toMatchObject({ status: "sending", attempts: 1 });
    // The other consumer died mid-send: after STALE_SENDING_MS its claim lapses.
    await env.DB.prepare("update email_outbox set updated_at = ? where id = ?")
      .bind(new Date(Date.now() - 6 * 60_000).toISOString(), m.id)
      .run();
    const taken = await deliver("edge-commerce-email", [message(m, 3)]);
    expect(taken.explicitAcks).toEqual([`q-${m.id}-3`]);
    expect((await outboxRows(m.id))[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("fans a low-stock alert out to one row per active admin, each sent once", async () => {
    const a = await insertAdmin("stock-a@example.test");
    const b = await insertAdmin("stock-b@example.test");
    const alert: Body = { id: "lowstock-MUG-1", template: "low_stock", to: "admins", data: { sku: "MUG-1", available: 2, threshold: 5 } };
    await deliver("edge-commerce-email", [message(alert)]);
    await deliver("edge-commerce-email", [message(alert, 2)]);
    const rows = await outboxRows(alert.id);
    expect(rows.map((r) => [r.id, r.to_address, r.status]).sort()).toEqual([
      [`lowstock-MUG-1:${a}`, "stock-a@example.test", "sent"],
      [`lowstock-MUG-1:${b}`, "stock-b@example.test", "sent"],
    ]);
  });
});

describe("EMAIL_QUEUE consumer with Resend", () => {
  it("sends with the Bearer key and the outbox row id as Idempotency-Key, and records Resend's id", async () => {
    const m: Body = { id: "resend-welcome-1", template: "welcome", to: "Grace@Example.test", data: { name: "Grace" } };
    const result = await deliver("edge-commerce-email", [message(m)], resendAt("key"));
    expect(result.explicitAcks).toEqual([`q-${m.id}-1`]);
    const [request] = await requestsAt("key");
    expect(request).toMatchObject({
      idempotencyKey: m.id,
      authorization: "Bearer re_test_key",
      to: ["grace@example.test"],
      from: "Northwind Goods <orders@shop.test>",
      subject: "Welcome to Northwind Goods",
      outcome: "sent",
    });
    const [row] = await outboxRows(m.id);
    expect(row).toMatchObject({ status: "sent", provider: "resend", provider_message_id: request?.id });
  });

  it("retries with growing backoff while the provider is down and sends once when it recovers", async () => {
    await control("flaky", { down: true });
    const m: Body = {
      id: "flaky-confirm-1",
      template: "order_confirmation",
      to: "lin@example.test",
      data: { number: "NW-2002", total: 1250, currency: "EUR", url },
    };
    for (const attempt of [1, 2, 3]) {
      const result = await deliver("edge-commerce-email", [message(m, attempt)], resendAt("flaky"));
      // (getQueueResult does not report the delay; the schedule is asserted below.)
      expect(result.retryMessages).toEqual([{ msgId: `q-${m.id}-${attempt}` }]);
      const [row] = await outboxRows(m.id);
      expect(row).toMatchObject({ status: "failed", attempts: attempt });
      expect(row?.last_error).toMatch(/resend 503 internal_server_error/);
    }
    expect([1, 2, 3, 4, 8, 9].map((n) => retryDelaySeconds(n))).toEqual([30, 60, 120, 240, 3600, 3600]);
    expect(retryDelaySeconds(5, 0)).toBe(0);
    await control("flaky", { down: false });
    const recovered = await deliver("edge-commerce-email", [message(m, 4)], resendAt("flaky"));
    expect(recovered.explicitAcks).toEqual([`q-${m.id}-4`]);
    // A late duplicate of the message changes nothing.
    await deliver("edge-commerce-email", [message(m, 5)], resendAt("flaky"));
    const requests = await requestsAt("flaky");
    expect(requests.map((r) => r.outcome)).toEqual(["failed", "failed", "failed", "sent"]);
    expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([m.id]));
    const rows = await outboxRows(m.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "sent", attempts: 4, last_error: null });
    expect(rows[0]?.sent_at).toBeTruthy();
  });

  it("marks the row dead through the dead-letter queue when the provider stays down for every retry", async () => {
    await control("down", { down: true });
    const m: Body = {
      id: "down-shipped-1",
      template: "order_shipped",
      to: "kim@example.test",
      data: { number: "NW-3003", carrier: "DHL", trackingNumber: "JD01", trackingUrl: null, items: [{ name: "Lamp", quantity: 1 }], url },
    };
    // max_retries = 8 in wrangler.toml: 9 deliveries, each answered with a retry.
    for (let attempt = 1; attempt <= 9; attempt++) {
      const result = await deliver("edge-commerce-email", [message(m, attempt)], resendAt("down"));
      expect(result.retryMessages).toHaveLength(1);
    }
    expect((await outboxRows(m.id))[0]).toMatchObject({ status: "failed", attempts: 9 });
    // Then the queue hands it to edge-commerce-email-dlq.
    const dlq = await deliver("edge-commerce-email-dlq", [message(m, 10)], resendAt("down"));
    expect(dlq.explicitAcks).toEqual([`q-${m.id}-10`]);
    const [row] = await outboxRows(m.id);
    expect(row).toMatchObject({ status: "dead", attempts: 9 });
    expect(row?.last_error).toMatch(/resend 503/);
    expect(JSON.parse(row?.payload ?? "null")).toEqual(withHiddenLink(m));
    expect((await requestsAt("down")).filter((r) => r.outcome === "sent")).toEqual([]);
  });

  it("records a dead row from the dead-letter queue even when no attempt reached the outbox", async () => {
    const m: Body = { id: "dlq-only-1", template: "order_delivered", to: "zoe@example.test", data: { number: "NW-4004", url } };
    await deliver("edge-commerce-email-dlq", [message(m)]);
    expect((await outboxRows(m.id))[0]).toMatchObject({ status: "dead", attempts: 0 });
  });

  it("sends through Postmark with the server token, retrying while it is down, once", async () => {
    const postmark = { ...resendAt("pm"), EMAIL_PROVIDER: "postmark", EMAIL_API_KEY: "pm-server-token" };
    const m: Body = {
      id: "pm-paid-1",
      template: "payment_received",
      to: "pat@example.test",
      data: { number: "NW-5005", amount: 990, currency: "USD", provider: "test", url },
    };
    await control("pm", { failNext: 1 });
    expect((await deliver("edge-commerce-email", [message(m)], postmark)).retryMessages).toHaveLength(1);
    expect((await deliver("edge-commerce-email", [message(m, 2)], postmark)).explicitAcks).toEqual([`q-${m.id}-2`]);
    await deliver("edge-commerce-email", [message(m, 3)], postmark);
    const requests = await requestsAt("pm");
    expect(requests.map((r) => r.outcome)).toEqual(["failed", "sent"]);
    expect(requests[1]).toMatchObject({
      authorization: "pm-server-token",
      to: ["pat@example.test"],
      subject: "Payment received for order NW-5005",
      idempotencyKey: m.id,
    });
    expect((await outboxRows(m.id))[0]).toMatchObject({ status: "sent", provider: "postmark", attempts: 2, provider_message_id: requests[1]?.id });
  });

  it("keeps a misconfigured provider's emails as failed rows instead of losing them", async () => {
    const m: Body = { id: "nokey-welcome-1", template: "welcome", to: "nokey@example.test", data: { name: "No Key" } };
    const result = await deliver("edge-commerce-email", [message(m)], { EMAIL_PROVIDER: "resend", EMAIL_FROM: "a@shop.test" });
    expect(result.retryMessages).toHaveLength(1);
    const [row] = await outboxRows(m.id);
    expect(row).toMatchObject({ status: "failed", provider: "resend" });
    expect(row?.last_error).toMatch(/EMAIL_API_KEY/);
  });
});

describe("the test runtime's outbound service", () => {
  it("passes requests for other hosts through to the network", async () => {
    // Nothing listens on port 9 of this machine: the request leaves and is refused (Miniflare answers
    // the failed outbound fetch with a 5xx); the fake's own 404 would mean it was swallowed.
    const res = await fetch("http://127.0.0.1:9/").catch(() => null);
    expect(res === null || res.status >= 500).toBe(true);
  });
});
