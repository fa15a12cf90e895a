import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { actors, refundOrder } from "../../worker/orders";
import { json, postJson } from "../support/http";
import { signedIn, stockProduct } from "../support/orders";
import { type Caller, send, staffByRole } from "../support/staff";

// Property runs over random carts: a seeded generator, so a failure names a case that can be replayed.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const ADDRESSES = [
  { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
  { fullName: "Ada Lovelace", line1: "10 Downing St", city: "London", postalCode: "SW1A 2AA", country: "GB" },
];
const CASES = 6;
const ctx = { actor: actors.system, origin: "http://store.test" };
let admin: Caller;
const skus: { sku: string; price: number }[] = [];

const sumOf = (orderId: string, kind: string) =>
  env.DB.prepare("select coalesce(sum(points), 0) as p from loyalty_entries where order_id = ? and kind = ?")
    .bind(orderId, kind)
    .first<{ p: number }>()
    .then((r) => r?.p ?? 0);

beforeAll(async () => {
  ({ admin } = await staffByRole());
  const r = rng(17);
  for (let i = 0; i < 5; i++) {
    const price = 199 + Math.floor(r() * 9800);
    await stockProduct(`LPP-${i}`, 100_000, price);
    skus.push({ sku: `LPP-${i}`, price });
  }
  const promo = await send("/api/admin/promotions", "POST", admin.headers, { name: "Property 15 %", code: "PROP15", kind: "percentage", value: 1500 });
  expect(promo.status).toBe(201);
}, 120_000);

describe("random carts with discounts, points, shipping, taxes and duties", { timeout: 240_000 }, () => {
  for (let n = 0; n < CASES; n++) {
    it(`case ${n}: the total is exact to the cent and partial refunds reverse points exactly`, async () => {
      const r = rng(1000 + n);
      const m = await signedIn();
      await send("/api/admin/loyalty/adjustments", "POST", admin.headers, { userId: m.user.id, points: 20_000, reason: "Property test credit" });
      const picked = skus.filter(() => r() < 0.6);
      for (const s of picked.length ? picked : [skus[0] as { sku: string }]) {
        await m.send("/api/cart/items", "POST", { sku: s.sku, quantity: 1 + Math.floor(r() * 3) });
      }
      if (r() < 0.5) expect((await m.send("/api/cart/promotions", "POST", { code: "PROP15" })).status).toBe(200);
      const address = ADDRESSES[Math.floor(r() * ADDRESSES.length)];
      const cart = await json(await m.send("/api/cart"));
      const goods = cart.items.reduce((s: number, i: { unitPrice: { amount: number }; quantity: number }) => s + i.unitPrice.amount * i.quantity, 0);
      const promoOff = cart.promotions?.discount?.amount ?? 0;
      const maxPoints = Math.floor(((goods - promoOff) * 50) / 100);
      const redeem = maxPoints >= 100 && r() < 0.8 ? 100 + Math.floor(r() * (maxPoints - 100)) : 0;
      const res = await m.send("/api/checkout", "POST", {
        shippingAddress: address,
        shippingOption: r() < 0.5 ? "standard" : "express",
        ...(redeem ? { redeemPoints: redeem } : {}),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const placed = await json(res);
      const o = await env.DB.prepare(
        "select subtotal, discount_total, shipping_total, tax_total, tax_inclusive, duties_total, grand_total from orders where id = ?",
      )
        .bind(placed.orderId)
        .first<{
          subtotal: number;
          discount_total: number;
          shipping_total: number;
          tax_total: number;
          tax_inclusive: number;
          duties_total: number;
          grand_total: number;
        }>();
      if (!o) throw new Error("order missing");
      const promoTotal = await env.DB.prepare("select coalesce(sum(amount), 0) as a from promotion_redemptions where order_id = ?")
        .bind(placed.orderId)
        .first<{ a: number }>();
      // lines − discounts − points + shipping + tax + duties, to the cent.
      expect(o.discount_total).toBe((promoTotal?.a ?? 0) + redeem);
      expect(o.grand_total).toBe(o.subtotal - o.discount_total + o.shipping_total + (o.tax_inclusive ? 0 : o.tax_total) + o.duties_total);
      const shares = await env.DB.prepare("select coalesce(sum(discount_total), 0) as d from order_lines where order_id = ?")
        .bind(placed.orderId)
        .first<{ d: number }>();
      expect(shares?.d).toBe(o.discount_total);
      expect(placed.total.amount).toBe(o.grand_total);

      expect((await postJson(`/api/checkout/test-payments/${placed.payment.redirectUrl.split("/").pop()}`, { outcome: "succeeded" })).status).toBe(200);
      const earned = await sumOf(placed.orderId, "earn");
      // A random sequence of partial refunds, then the rest: after each, the share reversed follows the money.
      let refunded = 0;
      const steps = 1 + Math.floor(r() * 3);
      for (let k = 0; k < steps; k++) {
        const left = o.grand_total - refunded;
        if (left <= 1) break;
        const part = 1 + Math.floor(r() * (left - 1));
        await refundOrder(env, placed.orderId, part, `part ${k}`, ctx);
        refunded += part;
        // Each line gives back its share of the refund (see loyalty-lines.test.ts for the per-line figures): never more than the order's.
        expect(-(await sumOf(placed.orderId, "reverse"))).toBeLessThanOrEqual(Math.floor((earned * refunded) / o.grand_total));
        expect(await sumOf(placed.orderId, "return")).toBeLessThanOrEqual(Math.floor((redeem * refunded) / o.grand_total));
      }
      await refundOrder(env, placed.orderId, undefined, "the rest", ctx);
      expect(-(await sumOf(placed.orderId, "reverse"))).toBe(earned);
      expect(await sumOf(placed.orderId, "return")).toBe(redeem);
      const s = await json(await m.send("/api/loyalty"));
      expect(s).toMatchObject({ available: 20_000, pending: 0 });
    });
  }
});
