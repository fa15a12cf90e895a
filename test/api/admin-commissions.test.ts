import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { json } from "../support/http";
import { buy } from "../support/orders";
import { type Caller, send, signIn } from "../support/staff";
import { insertVendor, sellerProduct } from "../support/vendors-money";

// Whole purchases run inside some tests; on a busy machine they take longer than the default.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let admin: Caller;
let support: Caller;
let seller: { id: string; name: string };
let productId: string;

beforeAll(async () => {
  [admin, support] = await Promise.all([signIn("admin"), signIn("support")]);
  seller = await insertVendor({ name: "Juniper Works" });
  await sellerProduct("COM-J1", seller.id, 5_000);
  productId = ((await env.DB.prepare("select product_id as id from product_variants where sku = 'COM-J1'").first<{ id: string }>())?.id ?? "") as string;
});

const create = (who: Caller, body: unknown) => send("/api/admin/commissions", "POST", who.headers, body);
const auditCount = async (action: string, id: string) =>
  (await env.DB.prepare("select count(*) as n from audit_log where action = ? and entity_id = ?").bind(action, id).first<{ n: number }>())?.n;

describe("POST /api/admin/commissions", () => {
  it("adds rules by scope (audited) and lists them store default first, with their targets' names", async () => {
    const store = await create(admin, { scope: "store", kind: "percent", rateBps: 1000 });
    expect(store.status).toBe(201);
    const vendorRule = await create(admin, { scope: "vendor", target: seller.id, kind: "percent", rateBps: 1250, includeShipping: true });
    expect(vendorRule.status).toBe(201);
    const productRule = await create(admin, { scope: "product", target: productId, kind: "fixed", fixedAmount: 300 });
    expect(productRule.status).toBe(201);
    const made = await json(productRule);
    expect(made).toMatchObject({ scope: "product", target: productId, targetName: "Item COM-J1", kind: "fixed", fixedAmount: 300, rateBps: 0 });
    expect(await auditCount("commission_rule.create", made.id)).toBe(1);
    const list = await json(await send("/api/admin/commissions", "GET", admin.headers));
    expect(list.items.map((r: { scope: string; targetName: string }) => [r.scope, r.targetName])).toEqual([
      ["store", "Every vendor"],
      ["vendor", "Juniper Works"],
      ["product", "Item COM-J1"],
    ]);
    // Product rule is the most specific: it is deleted below so the vendor rule applies in the freezing test.
    expect((await send(`/api/admin/commissions/${made.id}`, "DELETE", admin.headers)).status).toBe(200);
    expect(await auditCount("commission_rule.delete", made.id)).toBe(1);
    expect((await send(`/api/admin/commissions/${made.id}`, "DELETE", admin.headers)).status).toBe(404);
  });

  it("names each invalid field, refuses an unknown target and a second rule for one target", async () => {
    const bad = await create(admin, { scope: "vendor", target: "", kind: "percent", rateBps: 12_000 });
    expect(bad.status).toBe(400);
    const paths = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["rateBps"]));
    const unknown = await create(admin, { scope: "category", target: "cat_missing", kind: "percent", rateBps: 500 });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).errors).toEqual([{ path: "target", message: "No category has this id" }]);
    const twice = await create(admin, { scope: "vendor", target: seller.id, kind: "percent", rateBps: 500 });
    expect(twice.status).toBe(409);
    expect((await create(admin, { scope: "store", kind: "percent", rateBps: 1000, extra: 1 })).status).toBe(400);
  });

  it("is refused without the vendors permission", async () => {
    expect((await create(support, { scope: "store", kind: "percent", rateBps: 1 })).status).toBe(403);
    expect((await send("/api/admin/commissions", "GET", support.headers)).status).toBe(403);
    expect((await send("/api/admin/commissions", "GET", {})).status).toBe(401);
  });
});

describe("PUT /api/admin/commissions/{id}", () => {
  it("changes new orders only: placed lines keep the rate they were placed with", async () => {
    const rule = (await json(await send("/api/admin/commissions", "GET", admin.headers))).items.find((r: { scope: string }) => r.scope === "vendor");
    const before = await buy([{ sku: "COM-J1", quantity: 2 }]);
    const res = await send(`/api/admin/commissions/${rule.id}`, "PUT", admin.headers, { kind: "percent", rateBps: 2000, includeShipping: true });
    expect(res.status).toBe(200);
    expect((await json(res)).rateBps).toBe(2000);
    expect(await auditCount("commission_rule.update", rule.id)).toBe(1);
    const after = await buy([{ sku: "COM-J1", quantity: 2 }]);
    const line = (orderId: string) =>
      env.DB.prepare("select commission_rule_id as rule, commission_bps as bps, commission_total as total from order_lines where order_id = ?")
        .bind(orderId)
        .first<{ rule: string; bps: number; total: number }>();
    expect(await line(before.orderId)).toEqual({ rule: rule.id, bps: 1250, total: 1250 });
    expect(await line(after.orderId)).toEqual({ rule: rule.id, bps: 2000, total: 2000 });
    // The vendor order and its ledger entry also keep the old figure.
    const commission = (orderId: string) =>
      env.DB.prepare("select amount from vendor_ledger where order_id = ? and kind = 'commission'").bind(orderId).first<{ amount: number }>();
    expect((await commission(before.orderId))?.amount).toBeLessThan(0);
    expect(Math.abs((await commission(before.orderId))?.amount ?? 0)).toBeLessThan(Math.abs((await commission(after.orderId))?.amount ?? 0));
    expect((await send("/api/admin/commissions/cr_missing", "PUT", admin.headers, { kind: "percent", rateBps: 1 })).status).toBe(404);
    expect((await send(`/api/admin/commissions/${rule.id}`, "PUT", admin.headers, { kind: "percent", rateBps: -1 })).status).toBe(400);
  });
});
