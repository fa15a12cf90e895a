import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog/service";
import { purgeShippingCache } from "../../worker/shipping/service";
import { insertCategory, insertProduct } from "../support/factories";
import { call, cookiesFrom, json } from "../support/http";

const BASE = { fullName: "Erika Mustermann", line1: "Heidestraße 17", city: "Berlin" };
const DE = { ...BASE, postalCode: "10115", country: "DE" };
const GB = { ...BASE, city: "London", postalCode: "SW1A 1AA", country: "GB" };
const US = { ...BASE, city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

async function stockProduct(sku: string, price: number) {
  const category = await insertCategory(env.DB, { slug: `c-${sku.toLowerCase()}` });
  await insertProduct(env.DB, {
    slug: sku.toLowerCase(),
    name: `Item ${sku}`,
    category,
    variants: [{ sku, title: "Default", options: {}, price, stockAvailable: 500 }],
  });
  purgeCatalogCache();
}

/** A guest with `quantity` of `sku` in the cart who checks out with `address` (and an optional display currency cookie). */
async function checkout(address: Record<string, string>, opts: { sku?: string; quantity?: number; currency?: string; shippingOption?: string } = {}) {
  const add = await call("/api/cart/items", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: "http://store.test" },
    body: JSON.stringify({ sku: opts.sku ?? "TAX-40", quantity: opts.quantity ?? 1 }),
  });
  const cookie = [cookiesFrom(add), opts.currency ? `nw_currency=${opts.currency}` : ""].filter(Boolean).join("; ");
  return call("/api/checkout", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: "http://store.test", Cookie: cookie },
    body: JSON.stringify({ email: "tax@example.test", shippingAddress: address, shippingOption: opts.shippingOption ?? "standard" }),
  });
}

const orderRow = (id: string) =>
  env.DB.prepare(
    "select subtotal, shipping_total, tax_total, tax_inclusive, tax_label, duties_total, grand_total, currency, display_currency, display_rate_micros, delivery_min_days, delivery_max_days from orders where id = ?",
  )
    .bind(id)
    .first();

beforeAll(async () => {
  await stockProduct("TAX-40", 4000);
  await stockProduct("TAX-100", 10000);
});

describe("POST /api/checkout: taxes, duties and the display currency", () => {
  it("an EU (German) order: VAT 19 % included and recorded as its own line; charged in USD, EUR recorded with its rate", async () => {
    const res = await checkout(DE, { currency: "EUR" });
    expect(res.status).toBe(201);
    const placed = await json(res);
    expect(placed.total).toEqual({ amount: 4000 + 1499, currency: "USD" });
    expect(placed.totals.tax).toMatchObject({ label: "MwSt.", inclusive: true, total: { amount: 639 + 239 } });
    expect(placed.totals.displayTotal).toEqual({ amount: 5059, currency: "EUR" });
    expect(await orderRow(placed.orderId)).toEqual({
      subtotal: 4000,
      shipping_total: 1499,
      tax_total: 878,
      tax_inclusive: 1,
      tax_label: "MwSt.",
      duties_total: 0,
      grand_total: 5499,
      currency: "USD",
      display_currency: "EUR",
      display_rate_micros: 920000,
      delivery_min_days: 6,
      delivery_max_days: 10,
    });
  });

  it("a UK order above the duty threshold: VAT included, duties estimated and charged", async () => {
    const placed = await json(await checkout(GB, { sku: "TAX-100", quantity: 2 }));
    // £135-equivalent threshold ($171); 4 % on goods net of VAT: (20000 − 3333) × 4 % = 666.68.
    expect(placed.totals).toMatchObject({ shipping: { amount: 0 }, tax: { label: "VAT", inclusive: true, total: { amount: 3333 } }, duties: { amount: 667 } });
    expect(placed.total.amount).toBe(20000 + 667);
    expect(await orderRow(placed.orderId)).toMatchObject({ tax_total: 3333, duties_total: 667, grand_total: 20667, display_currency: "USD" });
  });

  it("a US order: the Sales tax line is added on top (0 % until an admin sets a rate, then charged)", async () => {
    const zero = await json(await checkout(US));
    expect(zero.totals.tax).toMatchObject({ label: "Sales tax", inclusive: false, rateBp: 0, total: { amount: 0 } });
    expect(zero.total.amount).toBe(4599);

    await env.DB.prepare("update countries set tax_rate_bp = 725 where code = 'US'").run();
    purgeShippingCache();
    const taxed = await json(await checkout(US));
    // 7.25 % of $40.00 = $2.90; US shipping is not taxed.
    expect(taxed.totals.tax).toMatchObject({ rateBp: 725, goods: { amount: 290 }, shipping: { amount: 0 }, total: { amount: 290 } });
    expect(taxed.total.amount).toBe(4000 + 599 + 290);
    expect(await orderRow(taxed.orderId)).toMatchObject({ tax_total: 290, tax_inclusive: 0, tax_label: "Sales tax", grand_total: 4889 });
    await env.DB.prepare("update countries set tax_rate_bp = 0 where code = 'US'").run();
    purgeShippingCache();
  });
});

describe("POST /api/checkout: per-country addresses validated on the server", () => {
  const pathsOf = async (res: Response) => (await json(res)).errors.map((e: { path: string }) => e.path);

  it("accepts well-formed addresses of several countries", async () => {
    for (const address of [
      DE,
      GB,
      US,
      { ...BASE, postalCode: "1012 ab", country: "NL" },
      { ...BASE, country: "IE" }, // Eircode optional
      { ...BASE, postalCode: "K1A 0B1", region: "ON", country: "CA" },
      { ...BASE, postalCode: "100-0001", region: "Tokyo", country: "JP" },
      { ...BASE, postalCode: "2000", region: "NSW", country: "AU" },
    ]) {
      const res = await checkout(address);
      expect(res.status, address.country).toBe(201);
    }
  });

  it("refuses a bad postal code or a missing region, naming the field", async () => {
    const cases: [Record<string, string>, string[]][] = [
      [{ ...DE, postalCode: "1011" }, ["shippingAddress.postalCode"]],
      [{ ...GB, postalCode: "12345" }, ["shippingAddress.postalCode"]],
      [{ ...US, postalCode: "9410" }, ["shippingAddress.postalCode"]],
      [{ ...BASE, postalCode: "K1A0B1", country: "CA" }, ["shippingAddress.region"]],
      [{ ...BASE, postalCode: "2000", country: "AU" }, ["shippingAddress.region"]],
      [{ ...BASE, postalCode: "100-001", region: "Tokyo", country: "JP" }, ["shippingAddress.postalCode"]],
      [{ ...BASE, country: "DE" }, ["shippingAddress.postalCode"]],
    ];
    for (const [address, paths] of cases) {
      const res = await checkout(address);
      expect(res.status, JSON.stringify(address)).toBe(400);
      expect(await pathsOf(res)).toEqual(paths);
    }
  });

  it("answers 422 naming the country when the store does not ship there", async () => {
    const res = await checkout({ ...BASE, postalCode: "101000", country: "RU" });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe("shipping.country_not_served");
    expect(body.errors[0].path).toBe("shippingAddress.country");
  });
});
