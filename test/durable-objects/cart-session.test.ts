import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_LINES, MAX_QUANTITY } from "../../durable-objects/cart-session";
import { cartItemCount, userCartId } from "../../worker/cart";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct } from "../support/factories";
import { cookiesFrom, json, postJson } from "../support/http";

const cart = (id: string) => env.CART_SESSION.getByName(id);
let carts = 0;
const newCart = () => cart(`cart-test-${++carts}`);

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "cart-do" });
  await insertProduct(env.DB, {
    slug: "tea-tin",
    name: "Tea Tin",
    category,
    variants: [
      { sku: "TIN-5", title: "Five left", options: {}, price: 1200, stockAvailable: 5 },
      { sku: "TIN-MANY", title: "Plenty", options: {}, price: 900, stockAvailable: 10_000 },
      { sku: "TIN-RACE", title: "Race", options: {}, price: 700, stockAvailable: 1_000 },
      { sku: "TIN-SCARCE", title: "Scarce", options: {}, price: 700, stockAvailable: 6 },
      { sku: "TIN-RESTOCK", title: "Restocked", options: {}, price: 500, stockAvailable: 1 },
      { sku: "TIN-PRICE", title: "Repriced", options: {}, price: 1000, stockAvailable: 10 },
    ],
  });
  purgeCatalogCache();
});

describe("CartSession.add", () => {
  it("answers the lines after the change in the same call", async () => {
    const c = newCart();
    expect(await c.add("TIN-MANY", 2, 900, 10_000)).toEqual({
      ok: true,
      quantity: 2,
      lines: [expect.objectContaining({ sku: "TIN-MANY", quantity: 2, priceSeen: 900 })],
    });
    const again = await c.add("TIN-5", 1, 1200, 5);
    expect(again.ok && again.lines.map((l) => [l.sku, l.quantity])).toEqual([
      ["TIN-MANY", 2],
      ["TIN-5", 1],
    ]);
  });

  it("sums concurrent adds of the same SKU", async () => {
    const c = newCart();
    const results = await Promise.all(Array.from({ length: 20 }, () => c.add("TIN-MANY", 3, 900, 10_000)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await c.lines()).map((l) => [l.sku, l.quantity])).toEqual([["TIN-MANY", 60]]);
  });

  it("refuses an add that would take the line past what is available, with what the cart holds", async () => {
    const c = newCart();
    expect(await c.add("TIN-5", 3, 1200, 5)).toMatchObject({ ok: true, quantity: 3 });
    expect(await c.add("TIN-5", 3, 1200, 5)).toEqual({ ok: false, reason: "insufficient_stock", inCart: 3 });
    expect(await c.add("TIN-5", 2, 1200, 5)).toMatchObject({ ok: true, quantity: 5 });
    expect((await c.lines())[0]).toMatchObject({ sku: "TIN-5", quantity: 5 });
  });

  it("caps a line at MAX_QUANTITY units and a cart at MAX_LINES SKUs", async () => {
    const c = newCart();
    await c.add("TIN-MANY", 60, 900, 10_000);
    expect(await c.add("TIN-MANY", 60, 900, 10_000)).toMatchObject({ ok: true, quantity: MAX_QUANTITY });
    for (let i = 1; i < MAX_LINES; i++) expect((await c.add(`SKU-${i}`, 1, 100, 10)).ok).toBe(true);
    expect(await c.add("SKU-ONE-TOO-MANY", 1, 100, 10)).toEqual({ ok: false, reason: "too_many_lines", inCart: 0 });
    // A SKU already in the full cart can still grow.
    expect(await c.add("SKU-1", 1, 100, 10)).toMatchObject({ ok: true, quantity: 2 });
    expect(await c.lines()).toHaveLength(MAX_LINES);
  });
});

describe("a cart that was never written", () => {
  it("reads empty, has no line to change or remove, and takes its first add", async () => {
    const c = newCart();
    expect(await c.lines()).toEqual([]);
    expect(await c.set("TIN-MANY", 2, 900)).toBeNull();
    expect(await c.remove("TIN-MANY")).toBeNull();
    await c.clear();
    expect(await c.merge([], {})).toEqual([]);
    expect(await c.add("TIN-MANY", 2, 900, 10_000)).toMatchObject({ ok: true, quantity: 2 });
    expect((await c.lines()).map((l) => [l.sku, l.quantity])).toEqual([["TIN-MANY", 2]]);
  });
});

describe("CartSession.set and remove", () => {
  it("answer the lines after the change, or null when the line is not there", async () => {
    const c = newCart();
    await c.add("TIN-MANY", 1, 900, 10_000);
    await c.add("TIN-5", 1, 1200, 5);
    expect((await c.set("TIN-5", 4, 1300))?.find((l) => l.sku === "TIN-5")).toMatchObject({ quantity: 4, priceSeen: 1300 });
    expect(await c.set("NOT-THERE", 2, 100)).toBeNull();
    expect((await c.remove("TIN-5"))?.map((l) => l.sku)).toEqual(["TIN-MANY"]);
    expect(await c.remove("TIN-5")).toBeNull();
    expect(await c.set("TIN-MANY", 0, 900)).toEqual([]);
  });
});

/** A shopper keeping its cart cookie, like a browser. */
function shopper() {
  let cookie = "";
  return async (sku: string, quantity: number) => {
    const res = await postJson("/api/cart/items", { sku, quantity }, cookie ? { Cookie: cookie } : {});
    cookie ||= cookiesFrom(res);
    return res;
  };
}

describe("POST /api/cart/items against one cart from concurrent requests", () => {
  it("ends with the summed quantity when two requests add the same SKU at once", async () => {
    const add = shopper();
    expect((await add("TIN-RACE", 1)).status).toBe(200);
    const [a, b] = await Promise.all([add("TIN-RACE", 2), add("TIN-RACE", 3)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const quantities = [(await json(a)).items[0].quantity, (await json(b)).items[0].quantity].sort();
    // Whichever ran second saw the other's units.
    expect(quantities[1]).toBe(6);
    expect(quantities[0] === 3 || quantities[0] === 4).toBe(true);
  });

  it("never lets concurrent adds take a line past the stock: exactly the adds that fit succeed", async () => {
    const add = shopper();
    expect((await add("TIN-SCARCE", 1)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 8 }, () => add("TIN-SCARCE", 2)));
    const statuses = answers.map((r) => r.status).sort();
    // 1 in the cart, 6 in stock: two more adds of 2 fit, the rest are refused.
    expect(statuses).toEqual([200, 200, 409, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((r) => r.status === 409))
      expect(await json(refused)).toMatchObject({ code: "cart.insufficient_stock", detail: "Only 6 left." });
    expect((await add("TIN-SCARCE", 2)).status).toBe(409);
    const last = await add("TIN-SCARCE", 1);
    expect((await json(last)).items[0]).toMatchObject({ sku: "TIN-SCARCE", quantity: 6 });
  });
});

describe("catalog facts on the cart's write path", () => {
  it("checks a refusal against the catalog now: stock added in D1 is sold even if this isolate had read less", async () => {
    const add = shopper();
    expect((await add("TIN-RESTOCK", 1)).status).toBe(200);
    // Restocked behind this isolate's back (no purge): the cached figure still says 1.
    await env.DB.prepare("update product_variants set stock_available = 5 where sku = 'TIN-RESTOCK'").run();
    const res = await add("TIN-RESTOCK", 3);
    expect(res.status).toBe(200);
    expect((await json(res)).items[0]).toMatchObject({ sku: "TIN-RESTOCK", quantity: 4, available: 5 });
  });

  it("prices an add at the catalog's new price as soon as a catalog write purges this isolate", async () => {
    const add = shopper();
    expect((await json(await add("TIN-PRICE", 1))).items[0].unitPrice.amount).toBe(1000);
    await env.DB.prepare("update product_variants set price = 1250 where sku = 'TIN-PRICE'").run();
    purgeCatalogCache();
    const after = await json(await add("TIN-PRICE", 1));
    expect(after.items[0]).toMatchObject({ quantity: 2, unitPrice: { amount: 1250, currency: "USD" }, issues: [] });
    expect(after.subtotal.amount).toBe(2500);
  });
});

describe("CartSession.merge and clear", () => {
  it("merges a guest cart's lines: quantities add, each capped by its stock and MAX_QUANTITY; a sold-out line is left out", async () => {
    const account = newCart();
    await account.add("TIN-5", 2, 1200, 5);
    const at = Date.now();
    const merged = await account.merge(
      [
        { sku: "TIN-5", quantity: 4, priceSeen: 1200, addedAt: at },
        { sku: "TIN-MANY", quantity: MAX_QUANTITY, priceSeen: 900, addedAt: at },
        { sku: "TIN-SCARCE", quantity: 2, priceSeen: 700, addedAt: at },
      ],
      { "TIN-5": 5, "TIN-MANY": 10_000, "TIN-SCARCE": 0 },
    );
    expect(Object.fromEntries(merged.map((l) => [l.sku, l.quantity]))).toEqual({ "TIN-5": 5, "TIN-MANY": MAX_QUANTITY });
    // Merging the same lines again changes nothing past the caps.
    expect((await account.merge(merged, { "TIN-5": 5, "TIN-MANY": 10_000 })).map((l) => l.quantity)).toEqual(merged.map((l) => l.quantity));
  });

  it("clear empties the cart, and clearing a cart never written is harmless", async () => {
    const c = newCart();
    await c.add("TIN-MANY", 3, 900, 10_000);
    await c.clear();
    expect(await c.lines()).toEqual([]);
    await newCart().clear();
  });
});

describe("cartItemCount (the header's count)", () => {
  it("counts the account's cart plus a guest cart still in the browser, without merging them", async () => {
    const guest = await postJson("/api/cart/items", { sku: "TIN-MANY", quantity: 2 });
    expect(guest.status).toBe(200);
    const cookie = cookiesFrom(guest);
    expect(await cartItemCount(env, cookie, null)).toBe(2);
    await cart(userCartId("usr_header")).add("TIN-MANY", 3, 900, 10_000);
    expect(await cartItemCount(env, cookie, "usr_header")).toBe(5);
    // Read-only: the guest cart still holds its line.
    expect(await cartItemCount(env, cookie, null)).toBe(2);
    expect(await cartItemCount(env, "", null)).toBe(0);
  });
});
