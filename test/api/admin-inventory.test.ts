import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct } from "../support/factories";
import { json } from "../support/http";
import { expectRoleMatrix, send, staffByRole } from "../support/staff";

let callers: Awaited<ReturnType<typeof staffByRole>>;
const audits = (sku: string) =>
  env.DB.prepare("select action, actor_email as actorEmail, before, after from audit_log where entity_type = 'sku' and entity_id = ? order by at, id")
    .bind(sku)
    .all<{ action: string; actorEmail: string; before: string; after: string }>()
    .then((r) => r.results.map((e) => ({ ...e, before: JSON.parse(e.before), after: JSON.parse(e.after) })));

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "inv" });
  await insertProduct(env.DB, {
    slug: "canvas-tote",
    name: "Canvas Tote",
    category,
    variants: [
      { sku: "TOTE-RED", title: "Red", options: {}, price: 1500, stockAvailable: 3, lowStockThreshold: 5 },
      { sku: "TOTE-BLUE", title: "Blue", options: {}, price: 1500, stockAvailable: 40, lowStockThreshold: 5 },
    ],
  });
  await insertProduct(env.DB, {
    slug: "mug",
    name: "Stoneware Mug",
    category,
    variants: [{ sku: "MUG-1", title: "Default", options: {}, price: 900, stockAvailable: 12, lowStockThreshold: 2 }],
  });
  purgeCatalogCache();
  callers = await staffByRole();
}, 30_000);

describe("role matrix for the inventory routes (admin only)", () => {
  it("lets only admins list, read, adjust and set thresholds", async () => {
    await expectRoleMatrix(callers, { path: "/api/admin/inventory" }, ["admin"]);
    await expectRoleMatrix(callers, { path: "/api/admin/inventory/MUG-1" }, ["admin"]);
    await expectRoleMatrix(callers, { path: "/api/admin/inventory/MUG-1/movements" }, ["admin"]);
    let n = 0;
    await expectRoleMatrix(
      callers,
      { path: "/api/admin/inventory/MUG-1/adjustments", method: "POST", body: () => ({ delta: 1, reason: `matrix check ${++n}` }) },
      ["admin"],
    );
    await expectRoleMatrix(callers, { path: "/api/admin/inventory/MUG-1/threshold", method: "PUT", body: () => ({ lowStockThreshold: 3 }) }, ["admin"]);
  }, 30_000);
});

describe("GET /api/admin/inventory", () => {
  it("lists SKUs by SKU with available stock and threshold, searches by SKU prefix or product name, and filters low stock", async () => {
    const all = await json(await send("/api/admin/inventory?perPage=2", "GET", callers.admin.headers));
    expect(all).toMatchObject({ total: 3, page: 1, perPage: 2 });
    expect(all.items.map((i: { sku: string }) => i.sku)).toEqual(["MUG-1", "TOTE-BLUE"]);
    const byName = await json(await send("/api/admin/inventory?q=tote", "GET", callers.admin.headers));
    expect(byName.items.map((i: { sku: string }) => i.sku)).toEqual(["TOTE-BLUE", "TOTE-RED"]);
    const bySku = await json(await send("/api/admin/inventory?q=tote-r", "GET", callers.admin.headers));
    expect(bySku.items).toEqual([
      { sku: "TOTE-RED", productId: expect.any(String), productName: "Canvas Tote", variantTitle: "Red", available: 3, lowStockThreshold: 5, lowStock: true },
    ]);
    const low = await json(await send("/api/admin/inventory?lowStock=true", "GET", callers.admin.headers));
    expect(low.items.map((i: { sku: string }) => i.sku)).toEqual(["TOTE-RED"]);
    const bad = await send("/api/admin/inventory?perPage=500&color=red", "GET", callers.admin.headers);
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["color", "perPage"].sort());
  });
});

describe("POST /api/admin/inventory/:sku/adjustments", () => {
  it("adjusts through the ledger, shows the movement, and records one audit entry with before and after (a retry adds none)", async () => {
    const headers = { ...callers.admin.headers, "Idempotency-Key": "tote-delivery-0001" };
    const first = await send("/api/admin/inventory/TOTE-RED/adjustments", "POST", headers, { delta: 7, reason: "delivery from supplier" });
    expect(first.status).toBe(200);
    const stock = await json(first);
    expect(stock).toMatchObject({ sku: "TOTE-RED", onHand: 10, reserved: 0, available: 10 });
    expect(stock.movements[0]).toMatchObject({ kind: "adjust", quantity: 7, onHandAfter: 10, reason: expect.stringContaining("delivery from supplier") });
    expect((await json(await send("/api/admin/inventory/TOTE-RED/adjustments", "POST", headers, { delta: 7, reason: "delivery from supplier" }))).onHand).toBe(
      10,
    );
    const entries = (await audits("TOTE-RED")).filter((e) => e.action === "inventory.adjust");
    expect(entries).toEqual([
      {
        action: "inventory.adjust",
        actorEmail: callers.admin.email,
        before: { onHand: 3, reserved: 0, available: 3 },
        after: { onHand: 10, reserved: 0, available: 10, delta: 7, reason: "delivery from supplier", opId: "tote-delivery-0001" },
      },
    ]);
    // The D1 mirror (what the list reads) follows.
    const listed = await json(await send("/api/admin/inventory?q=TOTE-RED", "GET", callers.admin.headers));
    expect(listed.items[0]).toMatchObject({ available: 10, lowStock: false });
  });

  it("refuses a change that would leave less on hand than reserved, and audits nothing for it", async () => {
    const before = (await audits("TOTE-BLUE")).length;
    const res = await send("/api/admin/inventory/TOTE-BLUE/adjustments", "POST", callers.admin.headers, { delta: -41, reason: "stock count" });
    expect(res.status).toBe(409);
    expect((await audits("TOTE-BLUE")).length).toBe(before);
  });
});

describe("GET /api/admin/inventory/:sku/movements", () => {
  it("pages the SKU's whole history newest first from the ledger's D1 copy", async () => {
    const all = await json(await send("/api/admin/inventory/TOTE-RED/movements", "GET", callers.admin.headers));
    expect(all.items.map((m: { kind: string; quantity: number }) => [m.kind, m.quantity])).toEqual([
      ["adjust", 7],
      ["init", 3],
    ]);
    const second = await json(await send("/api/admin/inventory/TOTE-RED/movements?perPage=1&page=2", "GET", callers.admin.headers));
    expect(second).toMatchObject({ total: 2, page: 2, perPage: 1, items: [{ kind: "init", onHandAfter: 3 }] });
    expect((await send("/api/admin/inventory/NOPE-1/movements", "GET", callers.admin.headers)).status).toBe(404);
  });
});

describe("PUT /api/admin/inventory/:sku/threshold", () => {
  it("sets the threshold in the ledger and the mirror, audited, and the low-stock filter follows", async () => {
    const res = await send("/api/admin/inventory/TOTE-BLUE/threshold", "PUT", callers.admin.headers, { lowStockThreshold: 50 });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ sku: "TOTE-BLUE", lowStockThreshold: 50, available: 40 });
    expect((await env.INVENTORY_LEDGER.getByName("TOTE-BLUE").snapshot("TOTE-BLUE")).lowStockThreshold).toBe(50);
    const low = await json(await send("/api/admin/inventory?lowStock=true", "GET", callers.admin.headers));
    expect(low.items.map((i: { sku: string }) => i.sku)).toContain("TOTE-BLUE");
    const entry = (await audits("TOTE-BLUE")).find((e) => e.action === "inventory.threshold");
    expect(entry).toEqual({
      action: "inventory.threshold",
      actorEmail: callers.admin.email,
      before: { lowStockThreshold: 5 },
      after: { lowStockThreshold: 50 },
    });
  });

  it("names the invalid field and answers 404 for an unknown SKU", async () => {
    const bad = await send("/api/admin/inventory/TOTE-BLUE/threshold", "PUT", callers.admin.headers, { lowStockThreshold: -1, extra: 1 });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["extra", "lowStockThreshold"].sort());
    expect((await send("/api/admin/inventory/NOPE-1/threshold", "PUT", callers.admin.headers, { lowStockThreshold: 1 })).status).toBe(404);
  });
});
