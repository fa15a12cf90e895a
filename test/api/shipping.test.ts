import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { convertAmount } from "../../worker/currency";
import { addBusinessDays, includedTax, percentOf } from "../../worker/shipping";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json, postJson } from "../support/http";
import { passwordSignIn } from "../support/staff";

async function stockProduct(sku: string, price: number, weightGrams = 500) {
  const category = await insertCategory(env.DB, { slug: `c-${sku.toLowerCase()}` });
  await insertProduct(env.DB, {
    slug: sku.toLowerCase(),
    name: `Item ${sku}`,
    category,
    variants: [{ sku, title: "Default", options: {}, price, stockAvailable: 100, weightGrams }],
  });
  purgeCatalogCache();
}

/** A guest cart holding `quantity` of `sku`; answers the cookie that names it. */
async function cartWith(sku: string, quantity: number): Promise<string> {
  const res = await call("/api/cart/items", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: "http://store.test" },
    body: JSON.stringify({ sku, quantity }),
  });
  expect(res.status).toBe(200);
  return cookiesFrom(res);
}

const quote = async (cookie: string, query: string, headers: Record<string, string> = {}) =>
  call(`/api/shipping/quote?${query}`, { headers: { Cookie: cookie, ...headers } });
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field.
const option = (q: { options: { id: string }[] }, id: string) => q.options.find((o) => o.id === id) as never as Record<string, any>;

beforeAll(async () => {
  await stockProduct("SHIP-40", 4000);
  await stockProduct("SHIP-100", 10000);
  await stockProduct("SHIP-60", 6000);
});

describe("GET /api/shipping/quote: one quote per zone", () => {
  it("domestic US: value band, free-shipping progress, express by weight, a Sales tax line (0 % by default, added on top), no duties", async () => {
    const cookie = await cartWith("SHIP-40", 1);
    const res = await quote(cookie, "country=US&postalCode=94105&region=CA");
    expect(res.status).toBe(200);
    const q = await json(res);
    expect(q).toMatchObject({ country: { code: "US", zone: { id: "us" } }, currency: "USD", subtotal: { amount: 4000 }, weightGrams: 500 });
    const std = option(q, "standard");
    expect(std).toMatchObject({ price: { amount: 599, currency: "USD" }, minDays: 3, maxDays: 5 });
    expect(std.freeShipping).toEqual({ threshold: { amount: 7500, currency: "USD" }, remaining: { amount: 3500, currency: "USD" }, qualified: false });
    expect(std.totals.tax).toMatchObject({ label: "Sales tax", rateBp: 0, inclusive: false, total: { amount: 0 } });
    expect(std.totals.duties.amount).toBe(0);
    expect(std.totals.grandTotal).toEqual({ amount: 4599, currency: "USD" });
    expect(std.estimatedDelivery.from).toBe(addBusinessDays(new Date(), 3));
    expect(option(q, "express").price.amount).toBe(1499);

    // 3 × 0.5 kg = 1.5 kg: two started kilograms, one above the base; the goods now ship free by standard.
    const heavy = await json(await quote(await cartWith("SHIP-40", 3), "country=US"));
    expect(option(heavy, "standard")).toMatchObject({ price: { amount: 0 }, freeShipping: { qualified: true, remaining: { amount: 0 } } });
    expect(option(heavy, "express").price.amount).toBe(1499 + 200);
    // A middle value band ($50–$74.99) pays less for standard.
    const band = await json(await quote(await cartWith("SHIP-60", 1), "country=US"));
    expect(option(band, "standard")).toMatchObject({ price: { amount: 399 }, freeShipping: { remaining: { amount: 1500 } } });
  });

  it("Canada: GST 5 % added to goods and shipping", async () => {
    const q = await json(await quote(await cartWith("SHIP-40", 1), "country=CA&postalCode=K1A%200B1&region=ON"));
    const std = option(q, "standard");
    expect(q.country.zone.id).toBe("ca");
    expect(std.price.amount).toBe(1299);
    expect(std.totals.tax).toMatchObject({
      label: "GST",
      rateBp: 500,
      inclusive: false,
      goods: { amount: 200 },
      shipping: { amount: 65 },
      total: { amount: 265 },
    });
    expect(std.totals.grandTotal.amount).toBe(4000 + 1299 + 265);
  });

  it("United Kingdom: VAT 20 % included in the prices (not added), shown as its own line", async () => {
    const q = await json(await quote(await cartWith("SHIP-40", 1), "country=GB&postalCode=SW1A%201AA"));
    const std = option(q, "standard");
    expect(q.country.zone.id).toBe("uk");
    expect(std.price.amount).toBe(1499);
    expect(std.totals.tax).toMatchObject({
      label: "VAT",
      rateBp: 2000,
      inclusive: true,
      goods: { amount: 667 },
      shipping: { amount: 250 },
      total: { amount: 917 },
    });
    expect(std.totals.grandTotal.amount).toBe(4000 + 1499);
  });

  it("EU (Germany): VAT 19 % included; totals also in the display currency", async () => {
    const q = await json(await quote(await cartWith("SHIP-40", 1), "country=DE&postalCode=10115&currency=EUR"));
    const std = option(q, "standard");
    expect(q.country).toMatchObject({ code: "DE", zone: { id: "eu", name: "European Union" } });
    expect(std).toMatchObject({ price: { amount: 1499 }, minDays: 6, maxDays: 10 });
    expect(std.totals.tax).toMatchObject({ label: "MwSt.", rateBp: 1900, inclusive: true, goods: { amount: 639 }, shipping: { amount: 239 } });
    expect(std.totals.grandTotal.amount).toBe(5499);
    expect(q.display).toEqual({ currency: "EUR", rateMicros: 920000, decimals: 2 });
    expect(std.totals.displayTotal).toEqual({ amount: 5059, currency: "EUR" }); // 54.99 × 0.92 = 50.5908
  });

  it("rest of world (Japan): zone rates, consumption tax included, yen without minor units", async () => {
    const q = await json(await quote(await cartWith("SHIP-40", 1), "country=JP&postalCode=100-0001&currency=JPY"));
    const std = option(q, "standard");
    expect(q.country.zone.id).toBe("row");
    expect(std.price.amount).toBe(1999);
    expect(std.totals.tax).toMatchObject({ inclusive: true, rateBp: 1000, goods: { amount: 364 }, shipping: { amount: 182 } });
    expect(std.totals.displayTotal).toEqual({ amount: 8999, currency: "JPY" }); // 59.99 × 150 = 8998.5, half away from zero
  });

  it("a country the store does not ship to answers 422 shipping.country_not_served naming country", async () => {
    const cookie = await cartWith("SHIP-40", 1);
    for (const code of ["RU", "KP", "ZZ"]) {
      const res = await quote(cookie, `country=${code}`);
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const body = await json(res);
      expect(body.code).toBe("shipping.country_not_served");
      expect(body.errors).toEqual([{ path: "country", message: expect.stringContaining("do not ship") }]);
    }
  });

  it("checks a given postal code or region against the country's format, naming the field", async () => {
    const cookie = await cartWith("SHIP-40", 1);
    const bad = await quote(cookie, "country=DE&postalCode=1234");
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors).toEqual([{ path: "postalCode", message: expect.stringContaining("10115") }]);
    const state = await quote(cookie, "country=US&region=XX");
    expect((await json(state)).errors[0].path).toBe("region");
    expect((await quote(cookie, "country=NL&postalCode=1012%20ab")).status).toBe(200);
    expect((await json(await quote(cookie, "country=D1"))).errors[0].path).toBe("country");
  });

  it("defaults the country to the request's (CF-IPCountry) and the display currency to that country's", async () => {
    const q = await json(await quote(await cartWith("SHIP-40", 1), "", { "CF-IPCountry": "GB" }));
    expect(q.country.code).toBe("GB");
    expect(q.display.currency).toBe("GBP");
  });
});

describe("GET /api/shipping/quote for a signed-in shopper", () => {
  it("defaults to the country of their default shipping address", async () => {
    const user = await insertUser(env.DB);
    const login = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
    const cookie = cookiesFrom(login);
    const address = await postJson(
      "/api/me/addresses",
      { fullName: "Kim Lee", line1: "1 Queen St", city: "Toronto", region: "ON", postalCode: "M5H 2N2", country: "CA", isDefaultShipping: true },
      { Cookie: cookie },
    );
    expect(address.status).toBe(201);
    const q = await json(await call("/api/shipping/quote", { headers: { Cookie: cookie, "CF-IPCountry": "DE" } }));
    expect(q.country.code).toBe("CA");
    expect(q.display.currency).toBe("EUR"); // the display currency still follows the request (no cookie chosen)
  });
});

describe("import duties", () => {
  it("are estimated only above the country's threshold, on the goods net of included VAT", async () => {
    const below = await json(await quote(await cartWith("SHIP-100", 1), "country=DE"));
    expect(below.duties).toEqual({ applies: false, threshold: { amount: 16300, currency: "USD" }, rateBp: 400 });
    expect(option(below, "standard").totals.duties.amount).toBe(0);

    const above = await json(await quote(await cartWith("SHIP-100", 2), "country=DE"));
    expect(above.duties.applies).toBe(true);
    const std = option(above, "standard");
    expect(std.price.amount).toBe(0); // free over $150 in the EU
    const vat = includedTax(20000, 1900);
    expect(std.totals.duties.amount).toBe(percentOf(20000 - vat, 400));
    expect(std.totals.duties.amount).toBe(672);
    expect(std.totals.grandTotal.amount).toBe(20000 + 672);
    // Domestic orders never pay duties.
    expect(option(await json(await quote(await cartWith("SHIP-100", 2), "country=US")), "standard").totals.duties.amount).toBe(0);
  });
});

describe("GET /api/shipping/countries", () => {
  it("lists each country's address form and whether the store ships there", async () => {
    const { items } = await json(await call("/api/shipping/countries"));
    const by = new Map(items.map((c: { code: string }) => [c.code, c]));
    expect(by.get("US")).toMatchObject({
      ships: true,
      zone: "us",
      regionRequired: true,
      regionLabel: "State",
      postalExample: "94105",
      regions: expect.arrayContaining(["CA", "NY"]),
    });
    expect(by.get("IE")).toMatchObject({ ships: true, postalRequired: false, postalLabel: "Eircode" });
    expect(by.get("RU")).toMatchObject({ ships: false, zone: null });
    const eu = items.filter((c: { zone: string }) => c.zone === "eu");
    expect(eu).toHaveLength(27);
  });
});

describe("currencies", () => {
  it("convert base minor units to integer display minor units, rounding half away from zero", () => {
    expect(convertAmount(12345, { code: "EUR", rateMicros: 920000, decimals: 2 })).toBe(11357); // 113.574
    expect(convertAmount(12345, { code: "JPY", rateMicros: 150_000_000, decimals: 0 })).toBe(18518); // 18517.5
    expect(convertAmount(-12345, { code: "JPY", rateMicros: 150_000_000, decimals: 0 })).toBe(-18518);
    expect(convertAmount(1, { code: "EUR", rateMicros: 500000, decimals: 2 })).toBe(1); // 0.5 cent rounds up
    expect(convertAmount(999_999_999_99, { code: "KRW", rateMicros: 1_380_000_000, decimals: 0 })).toBe(1_379_999_999_986);
    expect(convertAmount(4599, { code: "USD", rateMicros: 1_000_000, decimals: 2 })).toBe(4599);
  });

  it("default to the request country's currency, and a chosen one (cookie) wins", async () => {
    expect((await json(await call("/api/currencies", { headers: { "CF-IPCountry": "DE" } }))).selected).toBe("EUR");
    expect((await json(await call("/api/currencies", { headers: { "CF-IPCountry": "JP" } }))).selected).toBe("JPY");
    expect((await json(await call("/api/currencies", { headers: { "CF-IPCountry": "RU" } }))).selected).toBe("USD");
    const picked = await call("/api/currency/select?code=gbp&returnTo=%2Fc%2Fshoes%3Fpage%3D2", { redirect: "manual" });
    expect(picked.status).toBe(303);
    expect(picked.headers.get("location")).toBe("/c/shoes?page=2");
    expect(picked.headers.get("set-cookie")).toMatch(/^nw_currency=GBP; Path=\//);
    const list = await json(await call("/api/currencies", { headers: { "CF-IPCountry": "DE", Cookie: cookiesFrom(picked) } }));
    expect(list.selected).toBe("GBP");
    expect(list.currencies).toContainEqual({ code: "JPY", rateMicros: 150_000_000, decimals: 0 });
  });

  it("never redirect off the site and refuse currencies without a rate", async () => {
    const evil = await call("/api/currency/select?code=EUR&returnTo=%2F%2Fevil.example", { redirect: "manual" });
    expect(evil.headers.get("location")).toBe("/");
    // Browsers drop tabs and line breaks inside a URL: "/<tab>/evil.example" is "//evil.example" to them.
    for (const sneaky of ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%0D%5Cevil.example"]) {
      const res = await call(`/api/currency/select?code=EUR&returnTo=${sneaky}`, { redirect: "manual" });
      expect(res.status).toBe(303);
      expect(new URL(res.headers.get("location") ?? "", "http://store.test").origin).toBe("http://store.test");
    }
    const unknown = await call("/api/currency/select?code=XYZ", { redirect: "manual" });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).errors[0].path).toBe("code");
  });
});

describe("rendered page cache and display currencies", () => {
  it("keeps one page per visitor country, so a page priced in EUR is never served to a US visitor", async () => {
    const { Hono } = await import("hono");
    const { responseCache } = await import("../../worker/lib/response-cache");
    const { pageVariant } = await import("../../worker/front-door");
    let renders = 0;
    const app = new Hono<{ Bindings: Env }>().use("*", responseCache({ variant: pageVariant, vary: "Cookie, CF-IPCountry" })).get("/p/:slug", (c) => {
      renders++;
      return c.html(`${c.req.header("cf-ipcountry")} #${renders}`, 200, { "Cache-Control": "public, max-age=30" });
    });
    purgeCatalogCache();
    const de = await app.request("/p/x", { headers: { "CF-IPCountry": "DE" } }, env);
    const us = await app.request("/p/x", { headers: { "CF-IPCountry": "US" } }, env);
    const deAgain = await app.request("/p/x", { headers: { "CF-IPCountry": "DE" } }, env);
    expect([await de.text(), await us.text(), await deAgain.text()]).toEqual(["DE #1", "US #2", "DE #1"]);
    expect(deAgain.headers.get("x-cache")).toBe("hit");
    expect(de.headers.get("vary")).toContain("CF-IPCountry");
    const chosen = await app.request("/p/x", { headers: { "CF-IPCountry": "DE", Cookie: "nw_currency=USD" } }, env);
    expect(await chosen.text()).toBe("DE #3");
    expect(chosen.headers.get("vary")).toBe("Cookie, CF-IPCountry");
  });
});
