import { describe, expect, it } from "vitest";
import { identityCurrency } from "../../worker/currency";
import type { CountryRow } from "../../worker/regions";
import { addBusinessDays, includedTax, percentOf, priceOrder, quoteFor, rateFor, type RateRow, type ShippingData, shippingPrice } from "../../worker/shipping";

const rate = (over: Partial<RateRow> = {}): RateRow => ({
  id: "r1",
  zoneId: "eu",
  method: "standard",
  label: "Standard",
  basePrice: 999,
  perKgPrice: 200,
  minSubtotal: 0,
  maxSubtotal: null,
  freeOver: null,
  minDays: 3,
  maxDays: 5,
  active: 1,
  ...over,
});

const base: CountryRow = {
  code: "DE",
  name: "Germany",
  zoneId: "eu",
  ships: 1,
  currency: "EUR",
  postalPattern: null,
  postalExample: null,
  regionRequired: 0,
  regionLabel: "Region",
  taxRateBp: 1900,
  taxLabel: "MwSt.",
  taxInclusive: 1,
  taxShipping: 1,
  dutyThreshold: null,
  dutyRateBp: 0,
};

const country = (over: Partial<CountryRow> = {}): CountryRow & { zoneId: string } => ({
  ...base,
  ...over,
  zoneId: over.zoneId ?? "eu",
});

describe("rateFor: the band that prices a subtotal", () => {
  const data: ShippingData = {
    zones: [{ id: "eu", name: "EU", position: 0 }],
    countries: new Map(),
    rates: [
      rate({ id: "low", maxSubtotal: 4999 }),
      rate({ id: "high", minSubtotal: 5000, basePrice: 499 }),
      rate({ id: "off", minSubtotal: 5000, basePrice: 1, active: 0 }),
      rate({ id: "exp", method: "express", basePrice: 2499 }),
    ],
  };
  it("picks the active band containing the subtotal, the highest lower bound first", () => {
    expect(rateFor(data, "eu", "standard", 1000)?.id).toBe("low");
    expect(rateFor(data, "eu", "standard", 5000)?.id).toBe("high");
    expect(rateFor(data, "eu", "express", 5000)?.id).toBe("exp");
    expect(rateFor(data, "us", "standard", 5000)).toBeUndefined();
  });
});

describe("shippingPrice", () => {
  it("the base price covers the first kilogram; each further started kilogram adds the per-kg price", () => {
    expect(shippingPrice(rate(), 1000, 0)).toBe(999);
    expect(shippingPrice(rate(), 1000, 1000)).toBe(999);
    expect(shippingPrice(rate(), 1000, 1001)).toBe(1199);
    expect(shippingPrice(rate(), 1000, 3500)).toBe(999 + 3 * 200);
  });
  it("is free from the free-over threshold on, whatever the weight", () => {
    expect(shippingPrice(rate({ freeOver: 5000 }), 4999, 0)).toBe(999);
    expect(shippingPrice(rate({ freeOver: 5000 }), 5000, 9000)).toBe(0);
  });
});

describe("percentOf and includedTax: integer minor units, rounded half up", () => {
  it("percentOf", () => {
    expect(percentOf(10000, 1900)).toBe(1900);
    expect(percentOf(1, 5000)).toBe(1); // 0.5 rounds up
    expect(percentOf(999, 825)).toBe(82); // 82.4175
  });
  it("includedTax is the tax inside a gross amount", () => {
    expect(includedTax(11900, 1900)).toBe(1900);
    expect(includedTax(12000, 2000)).toBe(2000);
    expect(includedTax(1000, 2000)).toBe(167); // 166.67
    expect(includedTax(0, 2000)).toBe(0);
  });
});

describe("priceOrder: taxes and duties of one order", () => {
  it("tax-inclusive: the tax is stated but not added; the total is goods plus shipping", () => {
    const p = priceOrder(country(), 11900, 1190);
    expect(p).toMatchObject({ taxInclusive: true, taxGoods: 1900, taxShipping: 190, taxTotal: 2090, duties: 0, grandTotal: 13090 });
  });
  it("tax-exclusive: the tax is added on top; shipping is taxed only where the country says so", () => {
    const us = country({ code: "US", taxInclusive: 0, taxRateBp: 800, taxShipping: 0, taxLabel: "Sales tax" });
    expect(priceOrder(us, 10000, 1000)).toMatchObject({ taxGoods: 800, taxShipping: 0, taxTotal: 800, grandTotal: 11800 });
    const ca = country({ code: "CA", taxInclusive: 0, taxRateBp: 500, taxShipping: 1 });
    expect(priceOrder(ca, 10000, 1000)).toMatchObject({ taxGoods: 500, taxShipping: 50, grandTotal: 11550 });
  });
  it("duties apply on the goods net of included tax, only above the threshold", () => {
    const gb = country({ code: "GB", taxRateBp: 2000, dutyThreshold: 17100, dutyRateBp: 400 });
    expect(priceOrder(gb, 17100, 0).duties).toBe(0);
    const p = priceOrder(gb, 24000, 0);
    expect(p.taxGoods).toBe(4000);
    expect(p.duties).toBe(percentOf(20000, 400));
    expect(p.grandTotal).toBe(24000 + p.duties);
  });
  it("a zero rate adds nothing", () => {
    expect(priceOrder(country({ taxRateBp: 0, taxInclusive: 0 }), 5000, 500)).toMatchObject({ taxTotal: 0, grandTotal: 5500 });
  });
});

describe("quoteFor", () => {
  it("prices every method of the zone, with free-shipping progress and totals in the display currency", () => {
    const data: ShippingData = {
      zones: [{ id: "eu", name: "European Union", position: 0 }],
      countries: new Map(),
      rates: [rate({ freeOver: 15000 }), rate({ id: "exp", method: "express", label: "Express", basePrice: 2499, minDays: 1, maxDays: 2 })],
    };
    const monday = new Date("2026-11-30T10:00:00Z");
    const q = quoteFor(data, country(), 10000, 1500, "USD", { code: "EUR", rateMicros: 500_000, decimals: 2 }, monday);
    expect(q.country).toEqual({ code: "DE", name: "Germany", zone: { id: "eu", name: "European Union" } });
    expect(q.options.map((o) => [o.id, o.price.amount])).toEqual([
      ["standard", 1199],
      ["express", 2699],
    ]);
    expect(q.options[0]?.freeShipping).toEqual({
      threshold: { amount: 15000, currency: "USD" },
      remaining: { amount: 5000, currency: "USD" },
      qualified: false,
    });
    expect(q.options[1]?.freeShipping).toBeNull();
    expect(q.options[0]?.estimatedDelivery).toEqual({ from: "2026-12-03", to: "2026-12-07" });
    expect(q.options[0]?.totals.grandTotal).toEqual({ amount: 11199, currency: "USD" });
    expect(q.options[0]?.totals.displayTotal).toEqual({ amount: 5600, currency: "EUR" });
  });
  it("in the base currency the display total is the charge", () => {
    const data: ShippingData = { zones: [], countries: new Map(), rates: [rate()] };
    const q = quoteFor(data, country({ taxInclusive: 0, taxRateBp: 0 }), 2000, 0, "USD", identityCurrency("USD"));
    expect(q.options[0]?.totals.displayTotal).toEqual({ amount: 2999, currency: "USD" });
  });
});

describe("addBusinessDays", () => {
  it("skips weekends", () => {
    expect(addBusinessDays(new Date("2026-12-04T12:00:00Z"), 1)).toBe("2026-12-07"); // Friday → Monday
    expect(addBusinessDays(new Date("2026-12-05T12:00:00Z"), 0)).toBe("2026-12-05");
  });
});
