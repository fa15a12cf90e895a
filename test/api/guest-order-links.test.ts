import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, freshIp, json, postJson } from "../support/http";
import { api, buy, stockProduct } from "../support/orders";
import { signIn } from "../support/staff";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

const view = (orderId: string, token: string) => call(api(orderId), { headers: { "X-Order-Token": token } });

/** The newest `order_link` email to the order's address, once the queue has delivered it. */
async function newLinkEmail(orderId: string, after = 0): Promise<{ id: string; token: string }> {
  let found: { id: string; token: string } | null = null;
  await expect
    .poll(
      async () => {
        const rows = await env.DB.prepare("select id, text from email_outbox where template = 'order_link' and id like ? order by id")
          .bind(`order-link:${orderId}:%`)
          .all<{ id: string; text: string }>();
        const row = rows.results[after];
        const token = row ? /\/orders\/[^?\s]+\?token=([A-Za-z0-9_-]+)/.exec(row.text)?.[1] : undefined;
        found = row && token ? { id: row.id, token } : null;
        return found !== null;
      },
      { timeout: 10_000, interval: 200 },
    )
    .toBe(true);
  return found as unknown as { id: string; token: string };
}

let admin: Awaited<ReturnType<typeof signIn>>;
beforeAll(async () => {
  await stockProduct("LINK-1", 100);
  admin = await signIn("admin");
});

describe("guest order links expire", () => {
  it("a link older than the store's guestLinkDays answers 410 naming the token; a longer setting lets it work again", async () => {
    const order = await buy([{ sku: "LINK-1", quantity: 1 }]);
    expect((await view(order.orderId, order.token)).status).toBe(200);
    await env.DB.prepare("update orders set created_at = ? where id = ?")
      .bind(new Date(Date.now() - 91 * 86_400_000).toISOString(), order.orderId)
      .run();

    const expired = await view(order.orderId, order.token);
    expect(expired.status).toBe(410);
    expect(expired.headers.get("content-type")).toContain("application/problem+json");
    const problem = await json(expired);
    expect(problem).toMatchObject({ code: "orders.link_expired", status: 410 });
    expect(problem.errors).toEqual([{ path: "token", message: "Expired" }]);
    // The query-string link (the emailed one) and the cancel route are refused the same way.
    expect((await call(api(order.orderId, order.token))).status).toBe(410);
    expect((await postJson(`/api/orders/${order.orderId}/cancel`, {}, { "X-Order-Token": order.token })).status).toBe(410);
    // Only the right token learns that the link expired: a wrong one is the usual 404.
    expect((await view(order.orderId, "not-the-token")).status).toBe(404);

    const longer = await call("/api/admin/settings/security", {
      method: "PATCH",
      headers: { ...admin.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ guestLinkDays: 365 }),
    });
    expect(longer.status).toBe(200);
    expect((await json(longer)).guestLinkDays).toBe(365);
    expect((await view(order.orderId, order.token)).status).toBe(200);

    const bad = await call("/api/admin/settings/security", {
      method: "PATCH",
      headers: { ...admin.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ guestLinkDays: 0 }),
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].path).toBe("guestLinkDays");
    await call("/api/admin/settings/security", {
      method: "PATCH",
      headers: { ...admin.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ guestLinkDays: 90 }),
    });
  });
});

describe("POST /api/orders/:id/link/revoke", () => {
  it("the guest ends every earlier link; the new one is emailed to the order's address and works", async () => {
    const order = await buy([{ sku: "LINK-1", quantity: 1 }]);
    const res = await postJson(`/api/orders/${order.orderId}/link/revoke`, {}, { "X-Order-Token": order.token });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ orderId: order.orderId, linkVersion: 1, sent: true });
    expect((await view(order.orderId, order.token)).status).toBe(404);

    const email = await newLinkEmail(order.orderId);
    expect(email.id).toBe(`order-link:${order.orderId}:1`);
    expect(email.token).not.toBe(order.token);
    expect((await view(order.orderId, email.token)).status).toBe(200);
    // Later emails (here: the cancellation) carry the new link, not the revoked one.
    expect((await postJson(`/api/orders/${order.orderId}/cancel`, {}, { "X-Order-Token": email.token })).status).toBe(200);
    await expect
      .poll(
        async () =>
          (await env.DB.prepare("select text from email_outbox where id = ?").bind(`order-cancelled:${order.orderId}`).first<{ text: string }>())?.text ?? "",
        { timeout: 10_000, interval: 200 },
      )
      .toContain(`token=${email.token}`);
  });

  it("is 401 without a token, 404 with a wrong one", async () => {
    const order = await buy([{ sku: "LINK-1", quantity: 1 }]);
    expect((await postJson(`/api/orders/${order.orderId}/link/revoke`, {})).status).toBe(401);
    expect((await postJson(`/api/orders/${order.orderId}/link/revoke`, {}, { "X-Order-Token": "nope" })).status).toBe(404);
    expect((await view(order.orderId, order.token)).status).toBe(200);
  });

  it("two revocations at the same moment: one wins, the other is a 409, and only one new link is sent", async () => {
    const order = await buy([{ sku: "LINK-1", quantity: 1 }]);
    const both = await Promise.all([0, 1].map(() => postJson(`/api/orders/${order.orderId}/link/revoke`, {}, { "X-Order-Token": order.token })));
    const statuses = both.map((r) => r.status).sort();
    // The loser either saw the version move under it (409) or no longer holds a working token (404).
    expect(statuses[0]).toBe(200);
    expect([404, 409]).toContain(statuses[1]);
    const version = await env.DB.prepare("select access_link_version as v from orders where id = ?").bind(order.orderId).first<{ v: number }>();
    expect(version?.v).toBe(1);
  });
});

describe("POST /api/admin/orders/:id/guest-link/revoke", () => {
  it("three staff revocations at once: each that moved the link is audited and on the timeline once, a refused one leaves nothing", async () => {
    const order = await buy([{ sku: "LINK-1", quantity: 1 }]);
    const answers = await Promise.all(
      [0, 1, 2].map(() =>
        call(`/api/admin/orders/${order.orderId}/guest-link/revoke`, {
          method: "POST",
          headers: { ...admin.headers, "Content-Type": "application/json" },
          body: JSON.stringify({ send: false }),
        }),
      ),
    );
    // A revocation that read the link after another one moved it is a change of its own; one that read the same
    // version as a winner is refused (409) and must leave no trace.
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const moved = statuses.filter((s) => s === 200).length;
    expect(moved).toBeGreaterThan(0);
    const version = await env.DB.prepare("select access_link_version as v from orders where id = ?").bind(order.orderId).first<{ v: number }>();
    expect(version?.v).toBe(moved);
    const audits = await env.DB.prepare("select count(*) as n from audit_log where entity_id = ? and action = 'order.guest_link_revoked'")
      .bind(order.orderId)
      .first<{ n: number }>();
    expect(audits?.n).toBe(moved);
    const notes = await env.DB.prepare("select count(*) as n from order_events where order_id = ? and note like 'Order link revoked%'")
      .bind(order.orderId)
      .first<{ n: number }>();
    expect(notes?.n).toBe(moved);
  });

  it("staff with the orders permission end the link (audited); without it 403", async () => {
    const order = await buy([{ sku: "LINK-1", quantity: 1 }]);
    const support = await signIn("support");
    const refused = await call(`/api/admin/orders/${order.orderId}/guest-link/revoke`, {
      method: "POST",
      headers: { ...support.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ send: false }),
    });
    expect(refused.status).toBe(403);
    expect((await view(order.orderId, order.token)).status).toBe(200);

    const res = await call(`/api/admin/orders/${order.orderId}/guest-link/revoke`, {
      method: "POST",
      headers: { ...admin.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ send: false }),
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ linkVersion: 1, sent: false });
    expect((await view(order.orderId, order.token)).status).toBe(404);
    const audit = await env.DB.prepare("select actor_id, action from audit_log where entity_id = ? and action = 'order.guest_link_revoked'")
      .bind(order.orderId)
      .first<{ actor_id: string }>();
    expect(audit?.actor_id).toBe(admin.id);

    const bad = await call(`/api/admin/orders/${order.orderId}/guest-link/revoke`, {
      method: "POST",
      headers: { ...admin.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ send: "yes" }),
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].path).toBe("send");
    expect(
      (
        await call("/api/admin/orders/ord_missing/guest-link/revoke", {
          method: "POST",
          headers: { ...admin.headers, "Content-Type": "application/json" },
          body: "{}",
        })
      ).status,
    ).toBe(404);
  });
});

describe("POST /api/orders/:id/link/renew", () => {
  it("answers the same for a wrong address and the right one; only the order's own address gets a new link", async () => {
    const order = await buy([{ sku: "LINK-1", quantity: 1 }]);
    const ip = { "CF-Connecting-IP": freshIp() };
    const wrong = await postJson(`/api/orders/${order.orderId}/link/renew`, { email: "someone-else@example.test" }, ip);
    const missing = await postJson("/api/orders/ord_nothing_here/link/renew", { email: "buyer@example.test" }, ip);
    const right = await postJson(`/api/orders/${order.orderId}/link/renew`, { email: "Buyer@Example.test" }, ip);
    expect([wrong.status, missing.status, right.status]).toEqual([202, 202, 202]);
    const bodies = [await json(wrong), await json(missing), await json(right)];
    expect(bodies[0]).toEqual(bodies[2]);
    expect(bodies[1]).toEqual(bodies[2]);

    const email = await newLinkEmail(order.orderId);
    expect((await view(order.orderId, email.token)).status).toBe(200);
    expect((await view(order.orderId, order.token)).status).toBe(404);
    const sentTo = await env.DB.prepare("select to_address from email_outbox where id = ?").bind(email.id).first<{ to_address: string }>();
    expect(sentTo?.to_address).toBe("buyer@example.test");
  });

  it("names the email field when it is not an address", async () => {
    const res = await postJson("/api/orders/ord_x/link/renew", { email: "not an email" }, { "CF-Connecting-IP": freshIp() });
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].path).toBe("email");
  });
});
