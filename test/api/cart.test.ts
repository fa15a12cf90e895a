import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "mugs" });
  await insertProduct(env.DB, {
    slug: "enamel-mug",
    name: "Enamel Mug",
    category,
    variants: [
      { sku: "MUG-BLUE", title: "Blue", options: { color: "Blue" }, price: 1800, stockAvailable: 5 },
      { sku: "MUG-RED", title: "Red", options: { color: "Red" }, price: 1800, stockAvailable: 0 },
    ],
  });
  await insertProduct(env.DB, {
    slug: "kettle",
    name: "Kettle",
    category,
    variants: [{ sku: "KETTLE-1", title: "Default", options: {}, price: 5400, stockAvailable: 3 }],
  });
  await insertProduct(env.DB, {
    slug: "hidden",
    name: "Hidden",
    category,
    status: "draft",
    variants: [{ sku: "DRAFT-1", title: "Default", options: {}, price: 100, stockAvailable: 3 }],
  });
  purgeCatalogCache();
});

/** A guest shopper: keeps the cart cookie between calls, like a browser. */
function guest() {
  let cookie = "";
  return {
    get cookie() {
      return cookie;
    },
    async send(path: string, method: string, body?: unknown) {
      const res = await call(path, {
        method,
        headers: { "Content-Type": "application/json", Origin: "http://store.test", ...(cookie ? { Cookie: cookie } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const set = cookiesFrom(res);
      if (set) cookie = set;
      return res;
    },
  };
}

describe("POST /api/cart/items", () => {
  it("starts a guest cart with an HttpOnly cookie and prices lines from the catalog", async () => {
    const shopper = guest();
    const res = await shopper.send("/api/cart/items", "POST", { sku: "MUG-BLUE", quantity: 2 });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()[0]).toMatch(/^__Host-cart=cart_[0-9a-z]{26}; Max-Age=2592000; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    const cart = await json(res);
    expect(cart).toMatchObject({
      itemCount: 2,
      subtotal: { amount: 3600, currency: "USD" },
      hasIssues: false,
      items: [{ sku: "MUG-BLUE", name: "Enamel Mug", variantTitle: "Blue", quantity: 2, unitPrice: { amount: 1800 }, lineTotal: { amount: 3600 }, issues: [] }],
    });
    await shopper.send("/api/cart/items", "POST", { sku: "KETTLE-1", quantity: 1 });
    const again = await json(await shopper.send("/api/cart", "GET"));
    expect(again.items.map((i: { sku: string }) => i.sku)).toEqual(["MUG-BLUE", "KETTLE-1"]);
    expect(again.subtotal.amount).toBe(9000);
  });

  it("refuses a price, total or currency in the body (400), and bad quantities naming the field", async () => {
    const shopper = guest();
    const tamper = await shopper.send("/api/cart/items", "POST", { sku: "MUG-BLUE", quantity: 1, price: 1, currency: "JPY", total: 0 });
    expect(tamper.status).toBe(400);
    expect((await json(tamper)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["currency", "price", "total"]);
    for (const quantity of [0, -1, 1.5, 100, "2"]) {
      const res = await shopper.send("/api/cart/items", "POST", { sku: "MUG-BLUE", quantity });
      expect(res.status, String(quantity)).toBe(400);
      expect((await json(res)).errors[0].path).toBe("quantity");
    }
  });

  it("answers 404 for an unknown or unpublished SKU and 409 when stock does not cover the quantity", async () => {
    const shopper = guest();
    expect((await shopper.send("/api/cart/items", "POST", { sku: "NOPE-1", quantity: 1 })).status).toBe(404);
    expect((await shopper.send("/api/cart/items", "POST", { sku: "DRAFT-1", quantity: 1 })).status).toBe(404);
    const soldOut = await shopper.send("/api/cart/items", "POST", { sku: "MUG-RED", quantity: 1 });
    expect(soldOut.status).toBe(409);
    expect((await json(soldOut)).code).toBe("cart.item_out_of_stock");
    await shopper.send("/api/cart/items", "POST", { sku: "KETTLE-1", quantity: 2 });
    const tooMany = await shopper.send("/api/cart/items", "POST", { sku: "KETTLE-1", quantity: 2 });
    expect(tooMany.status).toBe(409);
    expect(await json(tooMany)).toMatchObject({ code: "cart.insufficient_stock", detail: "Only 3 left." });
  });
});

describe("PATCH and DELETE /api/cart/items/:sku", () => {
  it("changes quantities, removes lines and empties the cart", async () => {
    const shopper = guest();
    await shopper.send("/api/cart/items", "POST", { sku: "MUG-BLUE", quantity: 1 });
    await shopper.send("/api/cart/items", "POST", { sku: "KETTLE-1", quantity: 1 });
    expect((await json(await shopper.send("/api/cart/items/MUG-BLUE", "PATCH", { quantity: 4 }))).itemCount).toBe(5);
    expect((await shopper.send("/api/cart/items/MUG-BLUE", "PATCH", { quantity: 6 })).status).toBe(409);
    expect((await shopper.send("/api/cart/items/MUG-BLUE", "PATCH", { quantity: 2.5 })).status).toBe(400);
    expect((await json(await shopper.send("/api/cart/items/MUG-BLUE", "PATCH", { quantity: 0 }))).items.map((i: { sku: string }) => i.sku)).toEqual([
      "KETTLE-1",
    ]);
    expect((await shopper.send("/api/cart/items/MUG-BLUE", "DELETE")).status).toBe(404);
    expect((await json(await shopper.send("/api/cart/items/KETTLE-1", "DELETE"))).items).toEqual([]);
    await shopper.send("/api/cart/items", "POST", { sku: "KETTLE-1", quantity: 1 });
    expect((await shopper.send("/api/cart", "DELETE")).status).toBe(204);
    expect((await json(await shopper.send("/api/cart", "GET"))).items).toEqual([]);
  });
});

describe("catalog changes after adding", () => {
  it("flags a changed price and a sold-out item instead of charging the old price", async () => {
    const category = await insertCategory(env.DB, { slug: "lamps" });
    await insertProduct(env.DB, { slug: "desk-lamp", category, variants: [{ sku: "LAMP-1", title: "Default", options: {}, price: 3000, stockAvailable: 4 }] });
    await insertProduct(env.DB, { slug: "floor-lamp", category, variants: [{ sku: "LAMP-2", title: "Default", options: {}, price: 9000, stockAvailable: 4 }] });
    const shopper = guest();
    await shopper.send("/api/cart/items", "POST", { sku: "LAMP-1", quantity: 1 });
    await shopper.send("/api/cart/items", "POST", { sku: "LAMP-2", quantity: 1 });
    await env.DB.batch([
      env.DB.prepare("update product_variants set price = 3500 where sku = 'LAMP-1'"),
      env.DB.prepare("update product_variants set stock_available = 0 where sku = 'LAMP-2'"),
    ]);
    const cart = await json(await shopper.send("/api/cart", "GET"));
    expect(cart.hasIssues).toBe(true);
    expect(cart.items).toEqual([
      expect.objectContaining({
        sku: "LAMP-1",
        unitPrice: { amount: 3500, currency: "USD" },
        previousUnitPrice: { amount: 3000, currency: "USD" },
        issues: ["price_changed"],
      }),
      expect.objectContaining({ sku: "LAMP-2", lineTotal: { amount: 0, currency: "USD" }, issues: ["unavailable"] }),
    ]);
    expect(cart.subtotal.amount).toBe(3500);
  });
});

describe("signing in with a guest cart", () => {
  it("merges the guest cart into the account's cart (quantities add, capped by stock) and drops the guest cookie", async () => {
    const user = await insertUser(env.DB);
    const login = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
    const session = cookiesFrom(login);
    // The account already has 2 kettles from another device.
    await call("/api/cart/items", {
      method: "POST",
      headers: { Cookie: session, "Content-Type": "application/json", Origin: "http://store.test" },
      body: JSON.stringify({ sku: "KETTLE-1", quantity: 2 }),
    });
    const shopper = guest();
    await shopper.send("/api/cart/items", "POST", { sku: "KETTLE-1", quantity: 2 });
    await shopper.send("/api/cart/items", "POST", { sku: "MUG-BLUE", quantity: 1 });
    const merged = await call("/api/cart", { headers: { Cookie: `${session}; ${shopper.cookie}` } });
    expect(merged.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-cart=; Max-Age=0/)]);
    const cart = await json(merged);
    expect(cart.items.map((i: { sku: string; quantity: number }) => [i.sku, i.quantity])).toEqual([
      ["KETTLE-1", 3],
      ["MUG-BLUE", 1],
    ]);
    // The guest cart is empty now: merging twice adds nothing.
    const again = await json(await call("/api/cart", { headers: { Cookie: `${session}; ${shopper.cookie}` } }));
    expect(again.itemCount).toBe(4);
  });
});
