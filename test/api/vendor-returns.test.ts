import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { json } from "../support/http";
import { buy, client, signedIn } from "../support/orders";
import { insertVendor, sellerProduct, vendorMember } from "../support/vendors-money";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

type Member = Awaited<ReturnType<typeof vendorMember>>;
let sellerA: { id: string };
let sellerB: { id: string };
let ownerA: Member;
let ownerB: Member;
let ownerC: Member;
let financeA: Member;
let ordersA: Member;

beforeAll(async () => {
  sellerA = await insertVendor({ name: "Alder Returns" });
  sellerB = await insertVendor({ name: "Birch Returns" });
  const sellerC = await insertVendor({ name: "Cedar Returns" });
  [ownerA, ownerB, ownerC, financeA, ordersA] = await Promise.all([
    vendorMember(sellerA.id),
    vendorMember(sellerB.id),
    vendorMember(sellerC.id),
    vendorMember(sellerA.id, "finance"),
    vendorMember(sellerA.id, "orders"),
  ]);
  await sellerProduct("VRT-STORE", null, 1500);
  await sellerProduct("VRT-A", sellerA.id, 2000);
  await sellerProduct("VRT-B", sellerB.id, 4200);
});

let n = 0;
/** A return row with lines straight in the tables (the request flow is returns' own tests): `lines` by SKU. */
async function insertReturn(orderId: string, lines: { sku: string; quantity: number; reason?: string }[], status = "requested") {
  n += 1;
  const id = `ret_vt${n}${crypto.randomUUID().slice(0, 6)}`;
  const number = `R-VT${n}${id.slice(-4).toUpperCase()}`;
  await env.DB.prepare(
    "insert into returns (id, number, order_id, status, resolution, currency, requested_by, created_at) values (?, ?, ?, ?, 'refund', 'USD', 'guest', ?)",
  )
    .bind(id, number, orderId, status, new Date(Date.now() + n).toISOString())
    .run();
  for (const line of lines) {
    const ol = await env.DB.prepare("select id, name from order_lines where order_id = ? and sku = ?")
      .bind(orderId, line.sku)
      .first<{ id: string; name: string }>();
    await env.DB.prepare("insert into return_lines (id, return_id, order_line_id, sku, name, quantity, reason) values (?, ?, ?, ?, ?, ?, ?)")
      .bind(`rtl_vt${crypto.randomUUID().slice(0, 8)}`, id, ol?.id, line.sku, ol?.name, line.quantity, line.reason ?? "Too small")
      .run();
  }
  return { id, number };
}

describe("GET /api/vendor/returns and /api/vendor/returns/:id", () => {
  it("a seller sees the returns of its own lines, only those lines; another seller's return is 404", async () => {
    const order = await buy([
      { sku: "VRT-STORE", quantity: 1 },
      { sku: "VRT-A", quantity: 2 },
      { sku: "VRT-B", quantity: 1 },
    ]);
    const mixed = await insertReturn(order.orderId, [
      { sku: "VRT-A", quantity: 2, reason: "Too large" },
      { sku: "VRT-B", quantity: 1 },
    ]);
    const onlyB = await insertReturn(order.orderId, [{ sku: "VRT-B", quantity: 1 }], "rejected");
    const storeOnly = await insertReturn(order.orderId, [{ sku: "VRT-STORE", quantity: 1 }]);

    const listA = await json(await ownerA.send("/api/vendor/returns"));
    expect(listA.items.map((r: { id: string }) => r.id)).toEqual([mixed.id]);
    expect(listA.items[0]).toMatchObject({ number: mixed.number, orderNumber: order.number, status: "requested", units: 2 });
    const listB = await json(await ownerB.send("/api/vendor/returns"));
    expect(listB.items.map((r: { id: string }) => r.id)).toEqual([onlyB.id, mixed.id]);
    expect((await json(await ownerB.send("/api/vendor/returns?status=rejected"))).items.map((r: { id: string }) => r.id)).toEqual([onlyB.id]);
    expect((await json(await ownerC.send("/api/vendor/returns"))).total).toBe(0);

    const detailA = await json(await ownerA.send(`/api/vendor/returns/${mixed.id}`));
    expect(detailA.lines).toEqual([expect.objectContaining({ sku: "VRT-A", quantity: 2, reason: "Too large", inspection: null })]);
    expect(detailA.vendorOrderId).toBeTruthy();
    // The seller sees neither the shopper's contact details nor the photos.
    expect(detailA).not.toHaveProperty("email");
    expect(detailA).not.toHaveProperty("photos");
    const detailB = await json(await ownerB.send(`/api/vendor/returns/${mixed.id}`));
    expect(detailB.lines.map((l: { sku: string }) => l.sku)).toEqual(["VRT-B"]);

    for (const [who, id] of [
      [ownerA, onlyB.id],
      [ownerC, mixed.id],
      [ownerA, storeOnly.id],
      [ownerA, "ret_nope"],
    ] as const) {
      const res = await who.send(`/api/vendor/returns/${id}`);
      expect([id, res.status]).toEqual([id, 404]);
    }
  });

  it("needs the orders capability of an active vendor", async () => {
    expect((await ordersA.send("/api/vendor/returns")).status).toBe(200);
    expect((await financeA.send("/api/vendor/returns")).status).toBe(403);
    expect((await (await signedIn("customer")).send("/api/vendor/returns")).status).toBe(403);
    expect((await client().send("/api/vendor/returns")).status).toBe(401);
  });
});
