import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import worker from "../../worker/test-entry";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

async function session(role: "customer" | "support" | "admin") {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  return { Cookie: cookiesFrom(res), Origin: "http://store.test" };
}

let admin: Record<string, string>;
beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "stock" });
  await insertProduct(env.DB, { slug: "crate", category, variants: [{ sku: "CRATE-1", title: "Default", options: {}, price: 1200, stockAvailable: 4 }] });
  purgeCatalogCache();
  admin = await session("admin");
});

describe("GET /api/admin/inventory/:sku", () => {
  it("shows on hand, reserved and available with movements to admins only", async () => {
    const res = await call("/api/admin/inventory/CRATE-1", { headers: admin });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ sku: "CRATE-1", onHand: 4, reserved: 0, available: 4, movements: [{ kind: "init", quantity: 4 }] });
    expect((await call("/api/admin/inventory/CRATE-1", { headers: await session("support") })).status).toBe(403);
  });

  it("answers 401, 403 and 404 as it should", async () => {
    expect((await call("/api/admin/inventory/CRATE-1")).status).toBe(401);
    expect((await call("/api/admin/inventory/CRATE-1", { headers: await session("customer") })).status).toBe(403);
    expect((await call("/api/admin/inventory/NOPE-9", { headers: admin })).status).toBe(404);
  }, 15_000);
});

describe("POST /api/admin/inventory/:sku/adjustments", () => {
  const adjust = (body: unknown, headers: Record<string, string> = {}) =>
    call("/api/admin/inventory/CRATE-1/adjustments", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...admin, ...headers },
      body: JSON.stringify(body),
    });

  it("changes stock through the ledger, once per Idempotency-Key, and the catalog shows it", async () => {
    const first = await json(await adjust({ delta: 10, reason: "delivery from supplier" }, { "Idempotency-Key": "delivery-2026-11-24" }));
    expect(first).toMatchObject({ onHand: 14, available: 14 });
    expect(first.movements[0]).toMatchObject({ kind: "adjust", quantity: 10, reason: expect.stringContaining("delivery from supplier") });
    const retry = await json(await adjust({ delta: 10, reason: "delivery from supplier" }, { "Idempotency-Key": "delivery-2026-11-24" }));
    expect(retry.onHand).toBe(14);
    const product = await json(await call("/api/products/crate"));
    expect(product.variants[0].stockStatus).toBe("in_stock");
  });

  it("refuses bad input naming the field, support staff, and stock below zero", async () => {
    const bad = await adjust({ delta: 1.5, reason: "x" });
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["delta", "reason"]);
    const supportHeaders = await session("support");
    const asSupport = await call("/api/admin/inventory/CRATE-1/adjustments", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...supportHeaders },
      body: JSON.stringify({ delta: 1, reason: "should not work" }),
    });
    expect(asSupport.status).toBe(403);
    const negative = await adjust({ delta: -1000, reason: "shrinkage count" });
    expect(negative.status).toBe(409);
    expect((await json(negative)).code).toBe("inventory.negative_stock");
  }, 15_000);
});

describe("abandoned payments", () => {
  it("are cancelled by the cron sweep once their holds expired, releasing the stock", async () => {
    const add = await call("/api/cart/items", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sku: "CRATE-1", quantity: 2 }),
    });
    const cookie = cookiesFrom(add);
    const placed = await json(
      await call("/api/checkout", {
        method: "POST",
        headers: { "Content-Type": "application/json", Cookie: cookie, Origin: "http://store.test" },
        body: JSON.stringify({
          email: "slow@example.test",
          shippingOption: "standard",
          shippingAddress: { fullName: "Slow", line1: "1 A St", city: "Austin", region: "TX", postalCode: "73301", country: "US" },
        }),
      }),
    );
    expect((await env.INVENTORY_LEDGER.getByName("CRATE-1").snapshot("CRATE-1")).reserved).toBe(2);
    await env.DB.prepare("update orders set holds_expire_at = 0 where id = ?").bind(placed.orderId).run();
    const ctx = createExecutionContext();
    await worker.scheduled?.(createScheduledController({ cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const status = await env.DB.prepare("select status from orders where id = ?").bind(placed.orderId).first<{ status: string }>();
    expect(status?.status).toBe("cancelled");
    expect((await env.INVENTORY_LEDGER.getByName("CRATE-1").snapshot("CRATE-1")).reserved).toBe(0);
  });
});
