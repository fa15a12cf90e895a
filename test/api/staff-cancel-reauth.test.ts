import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { insertUser } from "../support/factories";
import { cookiesFrom, freshIp, json } from "../support/http";
import { buy, client, stockProduct } from "../support/orders";
import { keyOf, nextCode } from "../support/second-factor";
import { passwordSignIn, signIn } from "../support/staff";

vi.setConfig({ testTimeout: 60_000 });

const stock = async (sku: string) =>
  (await env.DB.prepare("select stock_available as n from product_variants where sku = ?").bind(sku).first<{ n: number }>())?.n;
const statusOf = async (orderId: string) => (await env.DB.prepare("select status from orders where id = ?").bind(orderId).first<{ status: string }>())?.status;

beforeAll(async () => {
  await stockProduct("CANCEL-RE", 50);
});

async function adminWithOldFactor() {
  const user = await insertUser(env.DB, { role: "admin" });
  const admin = client(cookiesFrom(await passwordSignIn(user, { "CF-Connecting-IP": freshIp() })));
  // The sign-in's own factor counts as fresh for `reauthMinutes` (10): make it an hour old.
  await env.DB.prepare("update session_factors set verified_at = verified_at - 3600000 where user_id = ?").bind(user.id).run();
  return { user, admin };
}

describe("POST /api/admin/orders/:id/cancel needs a fresh second factor", () => {
  it("an old factor: 403 asking to re-authenticate, nothing moved; after a code the same cancel goes through", async () => {
    const { user, admin } = await adminWithOldFactor();
    const order = await buy([{ sku: "CANCEL-RE", quantity: 2 }]);
    const before = await stock("CANCEL-RE");

    const refused = await admin.send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "customer called" });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(refused)).toMatchObject({ code: "auth.reauthentication_required", reauthenticate: "/api/me/mfa/verify" });
    expect(await statusOf(order.orderId)).toBe("paid");
    expect(await stock("CANCEL-RE")).toBe(before);

    expect((await admin.send("/api/me/mfa/verify", "POST", { code: "000000" })).status).toBe(401);
    expect((await admin.send("/api/me/mfa/verify", "POST", { code: await nextCode(keyOf(user.email) as string) })).status).toBe(200);
    const done = await admin.send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "customer called" });
    expect(done.status).toBe(200);
    expect(await json(done)).toMatchObject({ status: "cancelled" });
    expect(await stock("CANCEL-RE")).toBe((before ?? 0) + 2);
  });

  it("a factor proved at sign-in minutes ago is enough", async () => {
    const admin = await signIn("admin");
    const order = await buy([{ sku: "CANCEL-RE", quantity: 1 }]);
    const res = await client().send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "out of stock" }, admin.headers);
    expect(res.status).toBe(200);
  });

  it("the code is checked before anything: a staff member without the orders permission is 403 for that, not asked for a code", async () => {
    const support = await signIn("support");
    const order = await buy([{ sku: "CANCEL-RE", quantity: 1 }]);
    const res = await client().send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "not mine to do" }, support.headers);
    expect(res.status).toBe(403);
    expect((await json(res)).code).not.toBe("auth.reauthentication_required");
    expect(await statusOf(order.orderId)).toBe("paid");
  });

  it("two cancels racing with a fresh factor: one cancels, the other is a 409; the stock comes back once", async () => {
    const admin = await signIn("admin");
    const order = await buy([{ sku: "CANCEL-RE", quantity: 3 }]);
    const before = await stock("CANCEL-RE");
    const both = await Promise.all(
      [0, 1].map(() => client().send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "double click" }, admin.headers)),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await stock("CANCEL-RE")).toBe((before ?? 0) + 3);
  });
});
