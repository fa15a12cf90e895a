import { describe, expect, it } from "vitest";
import { assertChargesSum, extraCharges } from "../../worker/payments/charges";
import {
  allocateLargestRemainder,
  type EvalContext,
  type EvalLine,
  evaluatePromotions,
  netPaymentLines,
  type PromotionRule,
} from "../../worker/promotions/engine";
import { type CountryRow, priceOrder } from "../../worker/shipping/pricing";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const ctx = (over: Partial<EvalContext> = {}): EvalContext => ({ now: NOW, signedIn: false, firstOrder: false, code: null, ...over });

function rule(over: Partial<PromotionRule> = {}): PromotionRule {
  return {
    id: over.id ?? `prm_${Math.random().toString(36).slice(2)}`,
    name: "Promo",
    code: null,
    kind: "percentage",
    value: 1000,
    buyQuantity: 0,
    getQuantity: 0,
    conditions: {},
    combinable: true,
    status: "active",
    startsAt: null,
    endsAt: null,
    usageLimit: null,
    perCustomerLimit: null,
    ...over,
  };
}

function line(sku: string, unitPrice: number, quantity: number, over: Partial<EvalLine> = {}): EvalLine {
  return { sku, productId: `prod_${sku}`, categoryPath: "/cat_root/cat_shoes/", vendorId: null, unitPrice, quantity, ...over };
}

/** A small deterministic random generator (so a failing case can be replayed). */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

describe("allocateLargestRemainder", () => {
  it("splits exactly, in proportion, never above a weight", () => {
    expect(allocateLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateLargestRemainder(10, [0, 5, 5])).toEqual([0, 5, 5]);
    expect(allocateLargestRemainder(0, [3, 4])).toEqual([0, 0]);
    const r = rng(7);
    for (let k = 0; k < 2000; k++) {
      const weights = Array.from({ length: 1 + r(6) }, () => (r(5) === 0 ? 0 : 1 + r(50_000)));
      const sum = weights.reduce((s, w) => s + w, 0);
      const total = r(sum + 1);
      const parts = allocateLargestRemainder(total, weights);
      expect(parts.reduce((s, p) => s + p, 0)).toBe(sum === 0 ? 0 : total);
      parts.forEach((p, i) => {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(weights[i] as number);
      });
    }
  });
});

describe("evaluatePromotions: kinds", () => {
  it("takes a percentage off the matching lines only, spread by largest remainder", () => {
    const shoes = rule({ code: "SHOES10", value: 1000, conditions: { categoryIds: ["cat_shoes"] } });
    const lines = [line("A", 3333, 1), line("B", 1000, 2, { categoryPath: "/cat_root/cat_hats/" }), line("C", 3334, 1)];
    const ev = evaluatePromotions([shoes], lines, ctx({ code: "SHOES10" }));
    expect(ev.goodsDiscount).toBe(667);
    expect(ev.lineDiscounts).toEqual([333, 0, 334]);
    expect(ev.codeRefusal).toBeNull();
  });

  it("takes a fixed amount off, never more than the goods", () => {
    const ev = evaluatePromotions([rule({ code: "TEN", kind: "fixed", value: 1000 })], [line("A", 300, 1), line("B", 400, 1)], ctx({ code: "TEN" }));
    expect(ev.goodsDiscount).toBe(700);
    expect(ev.lineDiscounts).toEqual([300, 400]);
  });

  it("makes shipping free without touching the goods", () => {
    const ev = evaluatePromotions([rule({ code: "SHIPFREE", kind: "free_shipping", value: 0 })], [line("A", 500, 1)], ctx({ code: "SHIPFREE" }));
    expect(ev).toMatchObject({ goodsDiscount: 0, freeShipping: true, codeRefusal: null });
  });

  it("buy 2 get 1 free discounts the cheapest unit of each group of three", () => {
    const b2g1 = rule({ kind: "buy_x_get_y", buyQuantity: 2, getQuantity: 1, value: 10000 });
    const ev = evaluatePromotions([b2g1], [line("A", 1000, 2), line("B", 400, 2), line("C", 900, 3)], ctx());
    // Units by price: 1000 1000 900 | 900 900 400 | 400 → the 900 and the 400 are free; the last unit is not in a full group.
    expect(ev.lineDiscounts).toEqual([0, 400, 900]);
    expect(ev.goodsDiscount).toBe(1300);
  });
});

describe("evaluatePromotions: conditions name what failed", () => {
  const lines = [line("A", 2000, 1)];
  const cases: [Partial<PromotionRule>, Partial<EvalContext>, string, string][] = [
    [{ endsAt: NOW - 1 }, {}, "promotions.expired", "ends_at"],
    [{ startsAt: NOW + 60_000 }, {}, "promotions.not_eligible", "starts_at"],
    [{ status: "paused" }, {}, "promotions.not_eligible", "status"],
    [{ conditions: { minSubtotal: 5000 } }, {}, "promotions.not_eligible", "min_subtotal"],
    [{ conditions: { productIds: ["prod_Z"] } }, {}, "promotions.not_eligible", "products"],
    [{ conditions: { vendorIds: ["ven_1"] } }, {}, "promotions.not_eligible", "products"],
    [{ conditions: { firstOrder: true } }, { firstOrder: false }, "promotions.not_eligible", "first_order"],
    [{ conditions: { signedIn: true } }, { signedIn: false }, "promotions.not_eligible", "signed_in"],
    [{ id: "prm_lim", usageLimit: 100 }, { usesLeft: new Map([["prm_lim", { total: 0, customer: null }]]) }, "promotions.limit_reached", "usage_limit"],
    [
      { id: "prm_pc", perCustomerLimit: 1 },
      { usesLeft: new Map([["prm_pc", { total: null, customer: 0 }]]) },
      "promotions.limit_reached",
      "per_customer_limit",
    ],
  ];
  for (const [over, c, code, condition] of cases) {
    it(`${code} (${condition})`, () => {
      const ev = evaluatePromotions([rule({ code: "X", ...over })], lines, ctx({ code: "X", ...c }));
      expect(ev.codeRefusal).toEqual({ code, condition });
      expect(ev.goodsDiscount).toBe(0);
    });
  }

  it("accepts the same code when the condition is met (vendor, first order, signed in)", () => {
    const r = rule({ code: "X", conditions: { vendorIds: ["ven_1"], firstOrder: true, signedIn: true, minSubtotal: 2000 } });
    const ev = evaluatePromotions([r], [line("A", 2000, 1, { vendorId: "ven_1" })], ctx({ code: "X", firstOrder: true, signedIn: true }));
    expect(ev).toMatchObject({ codeRefusal: null, goodsDiscount: 200 });
  });
});

describe("evaluatePromotions: combination", () => {
  const lines = [line("A", 10_000, 1)];
  it("by default one code and the automatic discounts apply together, automatic first", () => {
    const auto = rule({ name: "Winter", value: 1000 });
    const code = rule({ code: "FIVE", kind: "fixed", value: 500 });
    const ev = evaluatePromotions([auto, code], lines, ctx({ code: "FIVE" }));
    expect(ev.applied.map((a) => [a.name, a.amount])).toEqual([
      ["Winter", 1000],
      ["Promo", 500],
    ]);
    expect(ev.goodsDiscount).toBe(1500);
  });

  it("a code that does not combine applies alone when it saves more, and is refused (combination) when it saves less", () => {
    const auto = rule({ name: "Winter", value: 1000 });
    const big = rule({ code: "BIG", value: 3000, combinable: false });
    expect(evaluatePromotions([auto, big], lines, ctx({ code: "BIG" }))).toMatchObject({ goodsDiscount: 3000, codeRefusal: null });
    const small = rule({ code: "SMALL", value: 500, combinable: false });
    expect(evaluatePromotions([auto, small], lines, ctx({ code: "SMALL" }))).toMatchObject({
      goodsDiscount: 1000,
      codeRefusal: { code: "promotions.not_eligible", condition: "combination" },
    });
  });
});

describe("netPaymentLines", () => {
  it("keeps whole unit prices and sums exactly to what is paid", () => {
    expect(netPaymentLines([{ unitPrice: 1000, quantity: 3, net: 2999 }])).toEqual([
      { unitPrice: 999, quantity: 1, net: 999 },
      { unitPrice: 1000, quantity: 2, net: 2000 },
    ]);
    const r = rng(11);
    for (let k = 0; k < 1000; k++) {
      const unitPrice = 1 + r(20_000);
      const quantity = 1 + r(9);
      const net = r(unitPrice * quantity + 1);
      const parts = netPaymentLines([{ unitPrice, quantity, net }]);
      expect(parts.reduce((s, p) => s + p.unitPrice * p.quantity, 0)).toBe(net);
      expect(parts.reduce((s, p) => s + p.quantity, 0)).toBe(quantity);
    }
  });
});

const COUNTRIES: CountryRow[] = [
  { taxRateBp: 863, taxInclusive: 0, taxShipping: 0, dutyThreshold: null, dutyRateBp: 0, taxLabel: "Sales tax" },
  { taxRateBp: 2000, taxInclusive: 1, taxShipping: 1, dutyThreshold: 15_000, dutyRateBp: 400, taxLabel: "VAT" },
  { taxRateBp: 500, taxInclusive: 0, taxShipping: 1, dutyThreshold: 2_000, dutyRateBp: 1200, taxLabel: "GST" },
].map((c) => ({ code: "XX", name: "X", currency: "USD", ships: 1, zoneId: "z", ...c }) as unknown as CountryRow);

describe("property: random carts with discounts, shipping, taxes and duties charge exactly", () => {
  it("lines − discounts + shipping + tax + duties = total, the discount split sums, and the payment lines sum to the total", () => {
    const r = rng(2026);
    for (let k = 0; k < 1500; k++) {
      const lines = Array.from({ length: 1 + r(5) }, (_, i) =>
        line(`S${i}`, 1 + r(30_000), 1 + r(6), { categoryPath: r(2) ? "/cat_root/cat_shoes/" : "/cat_root/cat_hats/", vendorId: r(2) ? "ven_1" : null }),
      );
      const rules = [
        rule({ value: 1 + r(5000), conditions: r(2) ? { categoryIds: ["cat_shoes"] } : {} }),
        rule({ kind: "buy_x_get_y", buyQuantity: 1 + r(3), getQuantity: 1 + r(2), value: 1 + r(10_000) }),
        rule({
          code: "CODE",
          kind: r(3) === 0 ? "free_shipping" : "fixed",
          value: r(40_000),
          combinable: r(3) !== 0,
          conditions: r(2) ? { vendorIds: ["ven_1"] } : {},
        }),
      ];
      const ev = evaluatePromotions(rules, lines, ctx({ code: "CODE" }));
      const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
      expect(ev.lineDiscounts.reduce((s, d) => s + d, 0)).toBe(ev.goodsDiscount);
      ev.lineDiscounts.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual((lines[i] as EvalLine).unitPrice * (lines[i] as EvalLine).quantity);
      });
      const country = COUNTRIES[r(COUNTRIES.length)] as CountryRow;
      const shipping = ev.freeShipping ? 0 : r(3000);
      const p = priceOrder(country, subtotal, shipping, ev.goodsDiscount);
      const addedTax = p.taxInclusive ? 0 : p.taxTotal;
      expect(p.grandTotal).toBe(subtotal - ev.goodsDiscount + shipping + addedTax + p.duties);
      const payLines = netPaymentLines(lines.map((l, i) => ({ ...l, net: l.unitPrice * l.quantity - (ev.lineDiscounts[i] as number) })));
      const charges = extraCharges({ shipping, tax: p.taxTotal, taxLabel: p.taxLabel, taxInclusive: p.taxInclusive, duties: p.duties });
      expect(() => assertChargesSum(payLines, charges, p.grandTotal)).not.toThrow();
    }
  });
});
