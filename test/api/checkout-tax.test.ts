import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { assertChargesSum, extraCharges } from "../../worker/payments/charges";
import { purgeShippingCache } from "../../worker/shipping";
import { insertCategory, insertProduct } from "../support/factories";
import { call, cookiesFrom, json, postJson } from "../support/http";

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

/** The order as its guest owner reads it through the API (the emailed link's token). */
async function orderByLink(placed: { orderId: string; orderUrl: string }) {
  const token = new URL(placed.orderUrl).searchParams.get("token");
  const res = await call(`/api/orders/${placed.orderId}?token=${token}`);
  expect(res.status).toBe(200);
  return json(res);
}

/** The lines a shopper reads above the total: everything but an included tax. */
const addedUp = (o: { totals: Record<"subtotal" | "shipping" | "tax" | "duties" | "discount", { amount: number }>; tax: { inclusive: boolean } }) =>
  o.totals.subtotal.amount + o.totals.shipping.amount + (o.tax.inclusive ? 0 : o.totals.tax.amount) + o.totals.duties.amount - o.totals.discount.amount;

describe("GET /api/orders/:id: the tax as the country shows it, and duties", () => {
  it("a German order: VAT is included (not added), labelled as in Germany, and the lines sum to the total", async () => {
    const placed = await json(await checkout(DE, { currency: "EUR" }));
    const order = await orderByLink(placed);
    expect(order.tax).toEqual({ label: "MwSt.", inclusive: true });
    expect(order.totals).toMatchObject({
      subtotal: { amount: 4000, currency: "USD" },
      shipping: { amount: 1499 },
      tax: { amount: 878 },
      duties: { amount: 0, currency: "USD" },
      grandTotal: { amount: 5499 },
    });
    expect(addedUp(order)).toBe(order.totals.grandTotal.amount);
  });

  it("a UK order above the duty threshold: duties are their own amount inside the total", async () => {
    const order = await orderByLink(await json(await checkout(GB, { sku: "TAX-100", quantity: 2 })));
    expect(order.tax).toEqual({ label: "VAT", inclusive: true });
    expect(order.totals).toMatchObject({ tax: { amount: 3333 }, duties: { amount: 667 }, grandTotal: { amount: 20667 } });
    expect(addedUp(order)).toBe(20667);
  });

  it("a US order with sales tax: the tax is added", async () => {
    await env.DB.prepare("update countries set tax_rate_bp = 725 where code = 'US'").run();
    purgeShippingCache();
    try {
      const order = await orderByLink(await json(await checkout(US)));
      expect(order.tax).toEqual({ label: "Sales tax", inclusive: false });
      expect(order.totals).toMatchObject({ tax: { amount: 290 }, duties: { amount: 0 }, grandTotal: { amount: 4889 } });
      expect(addedUp(order)).toBe(4889);
    } finally {
      await env.DB.prepare("update countries set tax_rate_bp = 0 where code = 'US'").run();
      purgeShippingCache();
    }
  });

  it("documents totals.duties and tax in the OpenAPI schema", async () => {
    const doc = await json(await call("/api/openapi.json"));
    const order = doc.components.schemas.Order;
    expect(order.required).toEqual(expect.arrayContaining(["totals", "tax"]));
    expect(Object.keys(doc.components.schemas.OrderTotals.properties)).toEqual(expect.arrayContaining(["duties", "tax", "grandTotal"]));
    expect(Object.keys(doc.components.schemas.OrderTax.properties)).toEqual(["label", "inclusive"]);
  });
});

describe("the order confirmation email states the tax as the order page does", () => {
  const confirmation = async (orderId: string) => {
    await expect
      .poll(
        async () => (await env.DB.prepare("select count(*) as n from email_outbox where id = ?").bind(`order-confirmed:${orderId}`).first<{ n: number }>())?.n,
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    return (await env.DB.prepare("select text from email_outbox where id = ?").bind(`order-confirmed:${orderId}`).first<{ text: string }>())?.text ?? "";
  };
  const pay = async (placed: { payment: { redirectUrl: string } }) => {
    const paid = await postJson(`/api/checkout/test-payments/${placed.payment.redirectUrl.split("/").pop()}`, { outcome: "succeeded" });
    expect(paid.status).toBe(200);
  };

  it("a UK order: Includes VAT, duties as a line, no added tax line", async () => {
    const placed = await json(await checkout(GB, { sku: "TAX-100", quantity: 2 }));
    await pay(placed);
    const text = await confirmation(placed.orderId);
    expect(text).toContain("Includes VAT: $33.33");
    expect(text).toContain("Import duties (estimate): $6.67");
    expect(text).toContain("Total: $206.67");
    expect(text).not.toMatch(/^VAT: /m);
  }, 30_000);

  it("a US order with sales tax: Sales tax added", async () => {
    await env.DB.prepare("update countries set tax_rate_bp = 725 where code = 'US'").run();
    purgeShippingCache();
    try {
      const placed = await json(await checkout(US));
      await pay(placed);
      const text = await confirmation(placed.orderId);
      expect(text).toContain("Sales tax: $2.90");
      expect(text).not.toContain("Includes");
      expect(text).toContain("Total: $48.89");
    } finally {
      await env.DB.prepare("update countries set tax_rate_bp = 0 where code = 'US'").run();
      purgeShippingCache();
    }
  }, 30_000);
});

describe("payment page lines (extraCharges)", () => {
  const goods = [{ unitPrice: 10000, quantity: 2 }];
  it("an added tax and duties are their own lines; an included VAT is not charged again; zero lines are left out", () => {
    expect(extraCharges({ shipping: 599, tax: 290, taxLabel: "Sales tax", taxInclusive: false, duties: 0 })).toEqual([
      { name: "Shipping", amount: 599 },
      { name: "Sales tax", amount: 290 },
    ]);
    const uk = extraCharges({ shipping: 0, tax: 3333, taxLabel: "VAT", taxInclusive: true, duties: 667 });
    expect(uk).toEqual([{ name: "Import duties (estimate)", amount: 667 }]);
    expect(() => assertChargesSum(goods, uk, 20667)).not.toThrow();
  });

  it("refuses lines that do not add up to the order's total", () => {
    expect(() => assertChargesSum(goods, [{ name: "Shipping", amount: 599 }], 20000)).toThrow(/sum to 20599/);
  });
});
