import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { json, postJson } from "../support/http";
import { buy, client, signedIn } from "../support/orders";
import { insertCommissionRule, insertVendor, sellerProduct, vendorMember } from "../support/vendors-money";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

type Member = Awaited<ReturnType<typeof vendorMember>>;
let sellerA: { id: string };
let sellerB: { id: string };
let ownerA: Member;
let admin: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  sellerA = await insertVendor({ name: "Cedar Co" });
  sellerB = await insertVendor({ name: "Dogwood Ltd" });
  ownerA = await vendorMember(sellerA.id);
  admin = await signedIn("admin");
  await sellerProduct("LDG-STORE", null, 1500);
  await sellerProduct("LDG-A1", sellerA.id, 2000);
  await sellerProduct("LDG-A2", sellerA.id, 3333);
  await sellerProduct("LDG-B1", sellerB.id, 4200);
  // 10% of the goods for every vendor; seller B pays 15% on goods and shipping; one product a flat fee per unit.
  await insertCommissionRule({ scope: "store", target: "", rateBps: 1000 });
  await insertCommissionRule({ scope: "vendor", target: sellerB.id, rateBps: 1500, includeShipping: true });
  const a2 = await env.DB.prepare("select product_id as id from product_variants where sku = 'LDG-A2'").first<{ id: string }>();
  await insertCommissionRule({ scope: "product", target: a2?.id as string, kind: "fixed", fixedAmount: 250 });
});

const CART = [
  { sku: "LDG-STORE", quantity: 1 },
  { sku: "LDG-A1", quantity: 2 },
  { sku: "LDG-A2", quantity: 1 },
  { sku: "LDG-B1", quantity: 1 },
];

const entries = async (orderId: string) =>
  (
    await env.DB.prepare("select vendor_id as vendorId, kind, amount, idempotency_key as key from vendor_ledger where order_id = ? order by created_at, id")
      .bind(orderId)
      .all<{ vendorId: string; kind: string; amount: number; key: string }>()
  ).results;
const balanceOf = async (vendorId: string, orderId: string) =>
  (await entries(orderId)).filter((e) => e.vendorId === vendorId).reduce((s, e) => s + e.amount, 0);
const vendorOrders = async (orderId: string) =>
  (
    await env.DB.prepare(
      "select vendor_id as vendorId, gross_total as gross, commission_total as commission, shipping_total as shipping from vendor_orders where order_id = ?",
    )
      .bind(orderId)
      .all<{ vendorId: string; gross: number; commission: number; shipping: number }>()
  ).results;

describe("ledger entries at payment", () => {
  it("writes each seller's sale and the commission by the most specific rule, stored on the lines", async () => {
    const order = await buy(CART);
    const vos = await vendorOrders(order.orderId);
    const a = vos.find((v) => v.vendorId === sellerA.id);
    const b = vos.find((v) => v.vendorId === sellerB.id);
    // US sales tax is added on top: the seller earns its goods and shipping, the store keeps the tax.
    expect(a?.gross).toBe(2 * 2000 + 3333 + (a?.shipping ?? 0));
    // LDG-A1 at the store's 10%, LDG-A2 at its flat 250 per unit; A's rule does not include shipping.
    expect(a?.commission).toBe(400 + 250);
    expect(b?.commission).toBe(Math.floor((4200 * 1500 + 5000) / 10000) + Math.floor(((b?.shipping ?? 0) * 1500 + 5000) / 10000));
    const lines = (
      await env.DB.prepare(
        "select sku, commission_bps as bps, commission_fixed as fixed, commission_total as total from order_lines where order_id = ? order by sku",
      )
        .bind(order.orderId)
        .all()
    ).results;
    expect(lines).toEqual([
      { sku: "LDG-A1", bps: 1000, fixed: null, total: 400 },
      { sku: "LDG-A2", bps: null, fixed: 250, total: 250 },
      { sku: "LDG-B1", bps: 1500, fixed: null, total: 630 },
      { sku: "LDG-STORE", bps: null, fixed: null, total: 0 },
    ]);
    expect(await balanceOf(sellerA.id, order.orderId)).toBe((a?.gross ?? 0) - (a?.commission ?? 0));
    expect((await entries(order.orderId)).map((e) => e.kind).sort()).toEqual(["commission", "commission", "sale", "sale"]);
  });

  it("writes nothing before payment, and nothing more when the payment outcome is replayed three times at once", async () => {
    const order = await buy(CART, client(), false);
    expect(await entries(order.orderId)).toEqual([]);
    const results = await Promise.all([1, 2, 3].map(() => postJson(`/api/checkout/test-payments/${order.paymentId}`, { outcome: "succeeded" })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await postJson(`/api/checkout/test-payments/${order.paymentId}`, { outcome: "succeeded" });
    const written = await entries(order.orderId);
    expect(written).toHaveLength(4);
    expect(new Set(written.map((e) => e.key)).size).toBe(4);
  });
});

describe("refunds reverse the sellers' shares", () => {
  it("keeps every balance equal to an independent recomputation over random refund sequences", async () => {
    for (let round = 0; round < 3; round++) {
      const order = await buy(CART);
      const vos = await vendorOrders(order.orderId);
      let refunded = 0;
      // Random parts, the last one whatever is left (so some sequences end fully refunded).
      const parts = round === 2 ? [Math.floor(order.total / 3), Math.floor(order.total / 3)] : [1 + Math.floor(Math.random() * (order.total / 2))];
      for (const [i, amount] of [...parts, ...(round === 0 ? [] : [order.total - parts.reduce((s, p) => s + p, 0)])].entries()) {
        const res = await admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { amount, reason: `part ${i + 1}` });
        expect(res.status, await res.clone().text()).toBe(200);
        refunded += amount;
        for (const vo of vos) {
          const back = (x: number) => Math.floor((x * refunded) / order.total);
          expect(await balanceOf(vo.vendorId, order.orderId)).toBe(vo.gross - vo.commission - back(vo.gross) + back(vo.commission));
        }
      }
      if (refunded === order.total) for (const vo of vos) expect(await balanceOf(vo.vendorId, order.orderId)).toBe(0);
    }
  });

  it("gives everything back when a paid order is cancelled", async () => {
    const order = await buy(CART);
    const res = await admin.send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "Cannot fulfil" });
    expect(res.status).toBe(200);
    expect(await balanceOf(sellerA.id, order.orderId)).toBe(0);
    expect(await balanceOf(sellerB.id, order.orderId)).toBe(0);
  });
});

describe("GET /api/vendor/ledger", () => {
  it("shows the vendor's own balance and entries with the running balance; the CSV adds up to it", async () => {
    const finance = await vendorMember(sellerA.id, "finance");
    await buy(CART);
    const res = await finance.send("/api/vendor/ledger?perPage=100");
    expect(res.status).toBe(200);
    const page = await json(res);
    const total = (await env.DB.prepare("select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ?").bind(sellerA.id).first<{ n: number }>())
      ?.n;
    expect(page.balance).toEqual({ amount: total, currency: "USD" });
    expect(page.items[0].balance).toEqual(page.balance);
    expect(page.items.every((e: { orderId: string }) => e.orderId)).toBe(true);
    // Nothing of seller B's.
    const foreign = await env.DB.prepare("select id from vendor_ledger where vendor_id = ? limit 1").bind(sellerB.id).first<{ id: string }>();
    expect(page.items.map((e: { id: string }) => e.id)).not.toContain(foreign?.id);

    const csv = await finance.send("/api/vendor/ledger/export");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    const rows = (await csv.text()).trim().split("\r\n");
    expect(rows[0]).toBe("date,kind,amount,currency,balance,order_id,vendor_order_id,payout_id,reference,note");
    expect(rows).toHaveLength(page.total + 1);
    const sum = rows.slice(1).reduce((s, r) => s + Math.round(Number(r.split(",")[2]) * 100), 0);
    expect(sum).toBe(total);
    // A sale and its commission share a timestamp: the statement reads the sale, then its commission (a refund,
    // then the commission given back), in the CSV and on the page (newest first there).
    const kinds = rows.slice(1).map((r) => r.split(",")[1]);
    expect(kinds).toContain("commission");
    kinds.forEach((kind, i) => {
      if (kind === "commission") expect(kinds[i - 1]).toBe("sale");
      if (kind === "commission_refund") expect(kinds[i - 1]).toBe("refund");
    });
    const pageKinds = page.items.map((e: { kind: string }) => e.kind).reverse();
    expect(pageKinds).toEqual(kinds);
  });

  it("answers 401 to a visitor and 403 to a member whose role has no finance access", async () => {
    expect((await client().send("/api/vendor/ledger")).status).toBe(401);
    const shipper = await vendorMember(sellerA.id, "orders");
    expect((await shipper.send("/api/vendor/ledger")).status).toBe(403);
    expect((await shipper.send("/api/vendor/ledger/export")).status).toBe(403);
    expect((await ownerA.send("/api/vendor/ledger")).status).toBe(200);
  });
});
