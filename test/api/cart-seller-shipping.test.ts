import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { viewCart } from "../../worker/cart";
import { identityCurrency } from "../../worker/currency";
import { quoteLines } from "../../worker/shipping";
import { json } from "../support/http";
import { buy, client } from "../support/orders";
import { insertVendor, sellerProduct } from "../support/vendors-money";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

beforeAll(async () => {
  const alder = await insertVendor({ name: "Alder Parcels" });
  const birch = await insertVendor({ name: "Birch Parcels" });
  await sellerProduct("CSS-STORE", null, 1_500, 500, 400);
  await sellerProduct("CSS-A", alder.id, 2_000, 500, 800);
  await sellerProduct("CSS-B", birch.id, 4_200, 500, 2_500);
});

const orderShipping = async (orderId: string) =>
  (await env.DB.prepare("select shipping_total as shipping, grand_total as grand from orders where id = ?")
    .bind(orderId)
    .first<{ shipping: number; grand: number }>()) as {
    shipping: number;
    grand: number;
  };

/** The cart API's quote and the cart page's quote for a shopper's cart, then what checkout charges for it. */
async function quotesAndCharge(items: { sku: string; quantity: number }[]) {
  const shopper = client();
  for (const item of items) expect((await shopper.send("/api/cart/items", "POST", item)).status).toBe(200);
  const res = await shopper.send("/api/shipping/quote?country=US");
  expect(res.status).toBe(200);
  const api = await json(res);
  const cartId = (await json(await shopper.send("/api/cart"))).id as string;
  const page = await quoteLines(env, (await viewCart(env, cartId)).items, "US", identityCurrency("USD"));
  // The same cart checked out with the standard method.
  const order = await buy([], shopper);
  return { api, page: page.quote, charged: await orderShipping(order.orderId) };
}

describe("the cart's shipping quote is what checkout charges", () => {
  it("for a cart of two sellers: the per-seller sum, on the cart API, the cart page and the order", async () => {
    const { api, page, charged } = await quotesAndCharge([
      { sku: "CSS-A", quantity: 2 },
      { sku: "CSS-B", quantity: 1 },
    ]);
    const standard = api.options.find((o: { id: string }) => o.id === "standard");
    expect(standard.price.amount).toBe(charged.shipping);
    expect(standard.totals.grandTotal.amount).toBe(charged.grand);
    expect(page?.options.find((o) => o.id === "standard")?.price.amount).toBe(charged.shipping);
    // Each seller's parcel is quoted on its own: the sum differs from one parcel of everything.
    const alone = async (sku: string, quantity: number) => (await orderShipping((await buy([{ sku, quantity }])).orderId)).shipping;
    expect(charged.shipping).toBe((await alone("CSS-A", 2)) + (await alone("CSS-B", 1)));
  });

  it("for the store's own products and a seller's: still the sum of the two parcels", async () => {
    const { api, charged } = await quotesAndCharge([
      { sku: "CSS-STORE", quantity: 1 },
      { sku: "CSS-A", quantity: 1 },
    ]);
    expect(api.options.find((o: { id: string }) => o.id === "standard").price.amount).toBe(charged.shipping);
  });

  it("for a cart of one seller: the whole-cart quote, as before", async () => {
    const { api, page, charged } = await quotesAndCharge([{ sku: "CSS-B", quantity: 3 }]);
    expect(api.options.find((o: { id: string }) => o.id === "standard").price.amount).toBe(charged.shipping);
    expect(page?.options.find((o) => o.id === "standard")?.price.amount).toBe(charged.shipping);
  });

  it("follows a weight change at once: the quote weighs with the facts the cart view has just read fresh", async () => {
    await sellerProduct("CSS-HEAVY", null, 3_000, 500, 900);
    const shopper = client();
    expect((await shopper.send("/api/cart/items", "POST", { sku: "CSS-HEAVY", quantity: 1 })).status).toBe(200);
    const standard = async () =>
      (await json(await shopper.send("/api/shipping/quote?country=US"))).options.find((o: { id: string }) => o.id === "standard").price.amount as number;
    const light = await standard();
    // Written straight to D1 with no purge of this isolate's caches: only a fresh read can see it.
    await env.DB.prepare("update product_variants set weight_grams = 4500 where sku = 'CSS-HEAVY'").run();
    const heavy = await standard();
    // 4.5 kg pays four extra kilograms over 0.9 kg's rate.
    expect(heavy).toBeGreaterThan(light);
    const order = await buy([], shopper);
    expect((await orderShipping(order.orderId)).shipping).toBe(heavy);
  });
});
