import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { EmailMessage } from "../../worker/notifications/schema";
import worker from "../../worker/test-entry";
import { insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

type Role = "customer" | "vendor" | "support" | "admin";
async function session(role: Role) {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  return { headers: { Cookie: cookiesFrom(res), Origin: "http://store.test" }, user };
}

async function deliver(queue: string, body: EmailMessage, attempts: number, vars: Partial<Env> = {}) {
  const batch = createMessageBatch(queue, [{ id: `q-${body.id}-${attempts}`, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
}
const providerDown = {
  EMAIL_PROVIDER: "resend",
  EMAIL_FROM: "shop@shop.test",
  EMAIL_API_KEY: "re_k",
  EMAIL_API_BASE: "http://fake-email.test/admin-emails-down",
};

const url = "https://shop.test/orders/ord_77?token=guest-secret";
const shipped: EmailMessage = {
  id: "ae-shipped-1",
  template: "order_shipped",
  to: "ship@example.test",
  data: { number: "NW-77", carrier: "UPS", trackingNumber: "1Z77", trackingUrl: "https://ups.test/1Z77", items: [{ name: "Mug", quantity: 1 }], url },
};
const reset: EmailMessage = {
  id: "ae-reset-1",
  template: "password_reset",
  to: "victim@example.test",
  data: { name: "Vic", url: "https://shop.test/account/reset-password?token=SECRET-RESET-TOKEN", expiresInMinutes: 60 },
};
// An account holder's order link (no token): a stored message with a one-time link cannot be sent again.
const dead: EmailMessage = {
  id: "ae-dead-1",
  template: "order_delivered",
  to: "dead@example.test",
  data: { number: "NW-78", url: "https://shop.test/orders/ord_78" },
};
const failed: EmailMessage = { id: "ae-failed-1", template: "welcome", to: "failed@example.test", data: { name: "Fay" } };

let admin: Awaited<ReturnType<typeof session>>;
const sessions = {} as Record<Role, Record<string, string>>;
beforeAll(async () => {
  await control({ down: true });
  await deliver("edge-commerce-email", shipped, 1);
  await deliver("edge-commerce-email", reset, 1);
  for (let i = 1; i <= 9; i++) await deliver("edge-commerce-email", dead, i, providerDown);
  await deliver("edge-commerce-email-dlq", dead, 10, providerDown);
  await deliver("edge-commerce-email", failed, 1, providerDown);
  admin = await session("admin");
  for (const role of ["customer", "vendor", "support", "admin"] as const) sessions[role] = role === "admin" ? admin.headers : (await session(role)).headers;
}, 30_000);

function control(body: { down: boolean }) {
  return fetch("http://fake-email.test/admin-emails-down/__control", { method: "POST", body: JSON.stringify(body) });
}

const retry = (id: string, headers: Record<string, string>) =>
  call(`/api/admin/emails/${encodeURIComponent(id)}/retry`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" } });

describe("admin email routes: who may do what", () => {
  const routes = [
    { name: "GET /api/admin/emails", send: (h: Record<string, string>) => call("/api/admin/emails", { headers: h }), readers: true },
    { name: "GET /api/admin/emails/:id", send: (h: Record<string, string>) => call(`/api/admin/emails/${shipped.id}`, { headers: h }), readers: true },
    // A sent email answers 409 to an admin: allowed, but nothing to retry.
    { name: "POST /api/admin/emails/:id/retry", send: (h: Record<string, string>) => retry(shipped.id, h), readers: false },
  ];
  for (const route of routes) {
    it(`${route.name}: admin allowed, support ${route.readers ? "allowed" : "403"}, customer and vendor 403, anonymous 401`, async () => {
      const status = async (role: Role | null) => (await route.send(role ? sessions[role] : {})).status;
      expect(await status(null)).toBe(401);
      expect(await status("customer")).toBe(403);
      expect(await status("vendor")).toBe(403);
      expect(await status("support")).toBe(route.readers ? 200 : 403);
      expect(await status("admin")).toBe(route.readers ? 200 : 409);
    }, 20_000);
  }
});

describe("GET /api/admin/emails", () => {
  it("lists the outbox newest first with status, attempts and the last error", async () => {
    const body = await json(await call("/api/admin/emails", { headers: admin.headers }));
    expect(body).toMatchObject({ total: 4, page: 1, perPage: 25 });
    const byId = Object.fromEntries(body.items.map((e: { id: string }) => [e.id, e]));
    expect(byId[shipped.id]).toMatchObject({
      status: "sent",
      template: "order_shipped",
      to: "ship@example.test",
      subject: "Order NW-77 has shipped",
      retryable: false,
    });
    expect(byId[dead.id]).toMatchObject({ status: "dead", attempts: 9, provider: "resend", retryable: true, lastError: expect.stringMatching(/resend 503/) });
    expect(byId[failed.id]).toMatchObject({ status: "failed", attempts: 1, retryable: true });
  });

  it("filters by status, template and part of the recipient, and pages", async () => {
    const ids = async (query: string) =>
      (await json(await call(`/api/admin/emails?${query}`, { headers: admin.headers }))).items.map((e: { id: string }) => e.id);
    expect(await ids("status=dead")).toEqual([dead.id]);
    expect(await ids("template=password_reset")).toEqual([reset.id]);
    expect(await ids("recipient=SHIP@")).toEqual([shipped.id]);
    expect(await ids("recipient=%25")).toEqual([]);
    const page2 = await json(await call("/api/admin/emails?perPage=3&page=2", { headers: admin.headers }));
    expect(page2).toMatchObject({ total: 4, page: 2, perPage: 3 });
    expect(page2.items).toHaveLength(1);
  });

  it("refuses unknown filters and values, naming each", async () => {
    const res = await call("/api/admin/emails?status=lost&template=spam&perPage=500&sort=x", { headers: admin.headers });
    expect(res.status).toBe(400);
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["perPage", "status", "template"]));
  });
});

describe("GET /api/admin/emails/:id", () => {
  it("answers the rendered HTML and text", async () => {
    const body = await json(await call(`/api/admin/emails/${shipped.id}`, { headers: sessions.support }));
    expect(body).toMatchObject({ id: shipped.id, status: "sent", subject: "Order NW-77 has shipped" });
    expect(body.html).toContain("<!doctype html>");
    expect(body.text).toContain("Track your parcel: https://ups.test/1Z77");
    expect(body.data).toMatchObject({ number: "NW-77", carrier: "UPS" });
  });

  it("hides one-time tokens from staff (a reset link would hand over the account)", async () => {
    const body = await json(await call(`/api/admin/emails/${reset.id}`, { headers: sessions.support }));
    const all = JSON.stringify(body);
    expect(all).not.toContain("SECRET-RESET-TOKEN");
    expect(body.text).toContain("/account/reset-password?token=hidden");
    expect(body.data.url).toBe("https://shop.test/account/reset-password?token=hidden");
    const list = JSON.stringify(await json(await call("/api/admin/emails", { headers: admin.headers })));
    expect(list).not.toContain("SECRET-RESET-TOKEN");
    expect(list).not.toContain("guest-secret");
  });

  it("answers 404 for an unknown id", async () => {
    const res = await call("/api/admin/emails/nope-123", { headers: admin.headers });
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("email.not_found");
  });
});

describe("POST /api/admin/emails/:id/retry", () => {
  it("re-queues a dead email, which the consumer delivers once, and records who did it", async () => {
    const res = await retry(dead.id, admin.headers);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ id: dead.id, status: "queued" });
    // The real EMAIL_QUEUE delivers it (the test store sends through the outbox provider).
    await expect
      .poll(async () => (await json(await call(`/api/admin/emails/${dead.id}`, { headers: admin.headers }))).status, { timeout: 10_000, interval: 250 })
      .toBe("sent");
    const row = await json(await call(`/api/admin/emails/${dead.id}`, { headers: admin.headers }));
    expect(row).toMatchObject({ attempts: 10, lastError: null, retryable: false });
    const audit = await env.DB.prepare("select actor_id, action, entity_type, before, after from audit_log where entity_id = ?").bind(dead.id).all();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({
      actor_id: admin.user.id,
      action: "email.retry",
      entity_type: "email",
      after: JSON.stringify({ status: "queued" }),
    });
    expect(JSON.parse(String(audit.results[0]?.before))).toMatchObject({ status: "dead", attempts: 9, lastError: expect.stringMatching(/resend 503/) });
    // Sent now: a second retry is refused.
    const again = await retry(dead.id, admin.headers);
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("email.already_sent");
  }, 20_000);

  it("answers 404 for an unknown email", async () => {
    expect((await retry("nope-456", admin.headers)).status).toBe(404);
  });
});
