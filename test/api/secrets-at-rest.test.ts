import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { EmailMessage } from "../../worker/notifications/schema";
import { hmacHex } from "../../worker/orders/webhooks";
import worker from "../../worker/test-entry";
import { insertUser } from "../support/factories";
import { call, cookiesFrom, json } from "../support/http";
import { stockProduct, US_ADDRESS } from "../support/orders";
import { codeFor, rememberKey } from "../support/second-factor";
import { signIn } from "../support/staff";

// Whole purchases and sign-ins run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 60_000 });

async function deliver(queue: string, body: EmailMessage, attempts: number, vars: Partial<Env> = {}) {
  const batch = createMessageBatch(queue, [{ id: `q-${body.id}-${attempts}`, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
}

const resend = (scenario: string) => ({
  EMAIL_PROVIDER: "resend",
  EMAIL_FROM: "shop@shop.test",
  EMAIL_API_KEY: "re_k",
  EMAIL_API_BASE: `http://fake-email.test/${scenario}`,
});

const outboxRow = (id: string) =>
  env.DB.prepare("select status, text, html, payload, provider from email_outbox where id = ?")
    .bind(id)
    .first<{ status: string; text: string; html: string; payload: string; provider: string }>();

describe("the email outbox keeps no usable one-time link", () => {
  const reset: EmailMessage = {
    id: "sar-reset-1",
    template: "password_reset",
    to: "owner@example.test",
    data: { name: "Olu", url: "https://shop.test/account/reset-password?token=RAW-RESET-TOKEN-123", expiresInMinutes: 60 },
  };
  const guestOrder: EmailMessage = {
    id: "sar-shipped-1",
    template: "order_delivered",
    to: "guest@example.test",
    data: { number: "NW-90", url: "https://shop.test/orders/ord_90?token=RAW-ORDER-TOKEN-456" },
  };

  it("sends the link through a real provider but stores the text, HTML and message with it hidden", async () => {
    await deliver("edge-commerce-email", reset, 1, resend("secrets-at-rest-up"));
    const row = await outboxRow(reset.id);
    expect(row).toMatchObject({ status: "sent", provider: "resend" });
    const stored = JSON.stringify(row);
    expect(stored).not.toContain("RAW-RESET-TOKEN-123");
    expect(row?.text).toContain("/account/reset-password?token=hidden");
    expect(JSON.parse(row?.payload ?? "null").data.url).toBe("https://shop.test/account/reset-password?token=hidden");
    // The provider got exactly one send (with the real link: the queue message carried it).
    const sent = await (await fetch("http://fake-email.test/secrets-at-rest-up/__requests")).json<{ outcome: string }[]>();
    expect(sent.map((r) => r.outcome)).toEqual(["sent"]);
  });

  it("a sign-up's one-time link is hidden the same way once sent", async () => {
    const signUp: EmailMessage = {
      id: "sar-register-1",
      template: "finish_registration",
      to: "newcomer@example.test",
      data: { name: "Nia", url: "https://shop.test/account/finish-sign-up?token=RAW-SIGNUP-TOKEN-789", expiresInHours: 24 },
    };
    await deliver("edge-commerce-email", signUp, 1, resend("secrets-at-rest-signup"));
    const row = await outboxRow(signUp.id);
    expect(row).toMatchObject({ status: "sent", provider: "resend" });
    expect(JSON.stringify(row)).not.toContain("RAW-SIGNUP-TOKEN-789");
    expect(row?.text).toContain("/account/finish-sign-up?token=hidden");
    const sent = await (await fetch("http://fake-email.test/secrets-at-rest-signup/__requests")).json<{ outcome: string; text?: string }[]>();
    expect(sent.map((r) => r.outcome)).toEqual(["sent"]);
    expect(sent[0]?.text).toContain("token=RAW-SIGNUP-TOKEN-789");
  });

  it("a dead email that carried a guest's order link is not retryable: the link is not kept", async () => {
    await fetch("http://fake-email.test/secrets-at-rest-down/__control", { method: "POST", body: JSON.stringify({ down: true }) });
    await deliver("edge-commerce-email", guestOrder, 1, resend("secrets-at-rest-down"));
    await deliver("edge-commerce-email-dlq", guestOrder, 9, resend("secrets-at-rest-down"));
    const row = await outboxRow(guestOrder.id);
    expect(row?.status).toBe("dead");
    expect(JSON.stringify(row)).not.toContain("RAW-ORDER-TOKEN-456");

    const admin = await signIn("admin");
    const detail = await json(await call(`/api/admin/emails/${guestOrder.id}`, { headers: admin.headers }));
    expect(detail).toMatchObject({ status: "dead", retryable: false });
    const retry = await call(`/api/admin/emails/${guestOrder.id}/retry`, { method: "POST", headers: { ...admin.headers, "Content-Type": "application/json" } });
    expect(retry.status).toBe(409);
    expect(retry.headers.get("content-type")).toContain("application/problem+json");
    expect((await json(retry)).code).toBe("email.link_not_kept");
  });
});

describe("what the Worker logs holds no secret", () => {
  let lines: string[] = [];
  const capture = () => {
    lines = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(" "));
      });
    }
  };
  afterEach(() => vi.restoreAllMocks());

  // The tests' store turns request logs off (LOG_REQUESTS=off); these requests run with them on, as production does.
  let jar = "";
  async function hit(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {
      Origin: "http://store.test",
      "CF-Connecting-IP": "198.51.100.90",
      ...(jar ? { Cookie: jar } : {}),
      ...init.headers,
    };
    if (init.body !== undefined) headers["Content-Type"] ??= "application/json";
    const request = new Request(`http://store.test${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers,
      body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    });
    const ctx = createExecutionContext();
    const handle = worker.fetch;
    if (!handle) throw new Error("the test entry has no fetch handler");
    const res = await handle(request as Parameters<typeof handle>[0], { ...env, LOG_REQUESTS: "on" }, ctx);
    await waitOnExecutionContext(ctx);
    const set = cookiesFrom(res);
    if (set) jar = [jar, set].filter(Boolean).join("; ");
    return res;
  }

  beforeAll(async () => {
    await stockProduct("LOG-1", 20);
  });

  it("during sign-in, a password reset, a guest checkout with polling and cancel, and a signed webhook", async () => {
    capture();
    const secrets: string[] = [];

    // Sign-in: a wrong password, a customer's right one, a staff member's password and authenticator code.
    const customer = await insertUser(env.DB, { password: "correct horse battery staple 1" });
    secrets.push(customer.password, "wrong-password-for-the-log-test");
    expect((await hit("/api/auth/login", { body: { email: customer.email, password: "wrong-password-for-the-log-test" } })).status).toBe(401);
    const signedIn = await hit("/api/auth/login", { body: { email: customer.email, password: customer.password } });
    expect(signedIn.status).toBe(200);
    for (const cookie of cookiesFrom(signedIn).split("; ")) secrets.push(cookie.split("=").slice(1).join("="));
    jar = "";
    const staff = await insertUser(env.DB, { role: "admin", password: "staff password for the log test" });
    secrets.push(staff.password);
    const first = await json(await hit("/api/auth/login", { body: { email: staff.email, password: staff.password } }));
    expect(first.code).toBe("auth.second_factor_required");
    rememberKey(staff.email, first.enroll.secret);
    secrets.push(first.challenge, first.enroll.secret);
    const code = await codeFor(staff.email);
    secrets.push(code);
    const enrolled = await hit("/api/auth/login/second-factor", { body: { challenge: first.challenge, code } });
    expect(enrolled.status).toBe(200);
    for (const recovery of (await json(enrolled)).recoveryCodes ?? []) secrets.push(recovery);
    const code2 = await codeFor(staff.email);
    secrets.push(code2);
    expect((await hit("/api/auth/login", { body: { email: staff.email, password: staff.password, code: code2 } })).status).toBe(200);
    jar = "";

    // Reset: the link from the email (the test store's outbox is its mailbox), then a new password.
    expect((await hit("/api/auth/password-reset", { body: { email: customer.email } })).status).toBe(202);
    let resetToken = "";
    await expect
      .poll(
        async () => {
          const row = await env.DB.prepare("select text from email_outbox where to_address = ? and template = 'password_reset'")
            .bind(customer.email)
            .first<{ text: string }>();
          resetToken = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(row?.text ?? "")?.[1] ?? "";
          return resetToken;
        },
        { timeout: 10_000, interval: 200 },
      )
      .not.toBe("");
    secrets.push(resetToken, "a brand new password for logs");
    expect((await hit("/api/auth/password-reset/confirm", { body: { token: resetToken, password: "a brand new password for logs" } })).status).toBe(204);

    // A sign-up: the one-time link from the email, which creates the account and signs in.
    const newcomer = "log-newcomer@example.test";
    expect((await hit("/api/auth/register", { body: { email: newcomer, password: "a sign-up password for logs", name: "Lou Logs" } })).status).toBe(202);
    let signUpToken = "";
    await expect
      .poll(
        async () => {
          const row = await env.DB.prepare("select text from email_outbox where to_address = ? and template = 'finish_registration'")
            .bind(newcomer)
            .first<{ text: string }>();
          signUpToken = /finish-sign-up\?token=([A-Za-z0-9_-]+)/.exec(row?.text ?? "")?.[1] ?? "";
          return signUpToken;
        },
        { timeout: 10_000, interval: 200 },
      )
      .not.toBe("");
    secrets.push(signUpToken, "a sign-up password for logs");
    const created = await hit("/api/auth/register/confirm", { body: { token: signUpToken } });
    expect(created.status).toBe(201);
    for (const cookie of cookiesFrom(created).split("; ")) secrets.push(cookie.split("=").slice(1).join("="));
    jar = "";
    // Personal data stays out of the log lines too.
    secrets.push(customer.email, staff.email, newcomer, "log-buyer@example.test", US_ADDRESS.line1);

    // A guest's checkout, the order page's polling (token in a header) and a cancel through the link.
    expect((await hit("/api/cart/items", { body: { sku: "LOG-1", quantity: 1 } })).status).toBe(200);
    const placed = await json(
      await hit("/api/checkout", { body: { email: "log-buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" } }),
    );
    const token = new URL(placed.orderUrl).searchParams.get("token") as string;
    secrets.push(token);
    const paymentId = placed.payment.redirectUrl.split("/").pop() as string;
    expect((await hit(`/api/checkout/test-payments/${paymentId}`, { body: { outcome: "succeeded" } })).status).toBe(200);
    expect((await hit(`/api/orders/${placed.orderId}/tracking`, { headers: { "X-Order-Token": token } })).status).toBe(200);
    expect((await hit(`/api/orders/${placed.orderId}?token=${token}`)).status).toBe(200);
    expect((await hit(`/api/orders/${placed.orderId}/cancel`, { body: { reason: "log test" }, headers: { "X-Order-Token": token } })).status).toBe(200);

    // A carrier's signed webhook (an unknown parcel: still a verified, logged request).
    const raw = JSON.stringify({ eventId: "log-evt-1", trackingNumber: "1ZLOGTEST", status: "in_transit", occurredAt: new Date().toISOString() });
    const t = Math.floor(Date.now() / 1000);
    const signature = await hmacHex(env.SHIPPING_WEBHOOK_SECRET_GENERIC as string, `${t}.${raw}`);
    secrets.push(signature, env.SHIPPING_WEBHOOK_SECRET_GENERIC as string);
    const hook = await hit("/api/webhooks/shipping/generic", { body: raw, headers: { "X-Signature": `t=${t},v1=${signature}` } });
    expect(hook.status).toBeLessThan(500);

    // The capture works (every request writes a line), so finding nothing below means something.
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(12);
    const all = lines.join("\n");
    for (const secret of secrets.filter((s) => s.length >= 6)) expect(all, "a secret reached a log line").not.toContain(secret);
    // No query strings (where links carry tokens), and nothing that looks like a card number.
    expect(all).not.toMatch(/[?&]token=/);
    expect(all).not.toMatch(/\b\d{13,19}\b/);
  });
});
