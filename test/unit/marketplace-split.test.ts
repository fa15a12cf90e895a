import { describe, expect, it } from "vitest";
import type { CountryRow } from "../../worker/regions";
import { priceOrder } from "../../worker/shipping";
import { allocate, type CommissionRule, pickRule, type SplitGroup, splitOrder } from "../../worker/vendors/service/commissions";
import { seededRandom } from "../support/seeded-random";

const country = (over: Partial<CountryRow>): CountryRow => ({
  code: "XX",
  name: "Testland",
  zoneId: "z",
  ships: 1,
  currency: "USD",
  postalPattern: null,
  postalExample: null,
  regionRequired: 0,
  regionLabel: "Region",
  taxRateBp: 0,
  taxLabel: "Tax",
  taxInclusive: 0,
  taxShipping: 0,
  dutyThreshold: null,
  dutyRateBp: 0,
  ...over,
});

const rule = (over: Partial<CommissionRule> & Pick<CommissionRule, "scope" | "target">): CommissionRule => ({
  id: `cr_${over.scope}_${over.target}`,
  kind: "percent",
  rateBps: 1000,
  fixedAmount: 0,
  includeTax: false,
  includeShipping: false,
  createdAt: "",
  updatedAt: "",
  ...over,
});

describe("pickRule: the most specific rule wins", () => {
  const rules = [
    rule({ scope: "store", target: "", rateBps: 1500 }),
    rule({ scope: "vendor", target: "ven_a", rateBps: 1200 }),
    rule({ scope: "category", target: "cat_x", rateBps: 800 }),
    rule({ scope: "product", target: "prod_1", kind: "fixed", fixedAmount: 99 }),
  ];
  it.each([
    [{ vendorId: "ven_a", productId: "prod_1", categoryId: "cat_x" }, "cr_product_prod_1"],
    [{ vendorId: "ven_a", productId: "prod_2", categoryId: "cat_x" }, "cr_category_cat_x"],
    [{ vendorId: "ven_a", productId: "prod_2", categoryId: "cat_y" }, "cr_vendor_ven_a"],
    [{ vendorId: "ven_b", productId: "prod_2", categoryId: "cat_y" }, "cr_store_"],
  ])("%o → %s", (line, id) => {
    expect(pickRule(rules, line)?.id).toBe(id);
  });
  it("answers null when the store has no rule at all", () => {
    expect(pickRule([], { vendorId: "ven_a", productId: null, categoryId: null })).toBeNull();
  });
});

describe("allocate", () => {
  it("splits to the unit and always adds up", () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(0, [5, 5])).toEqual([0, 0]);
    expect(allocate(7, [0, 0])).toEqual([0, 0]);
  });
});

describe("splitOrder over 1,000 random marketplace carts", () => {
  it("vendor nets + commissions + the store's goods, shipping, tax and duties equal the charged total to the unit", () => {
    for (let seed = 1; seed <= 1000; seed++) {
      const r = seededRandom(seed);
      const vendorCount = r.int(1, 4);
      const withStore = r.next() < 0.5;
      const sellers = [...(withStore ? [null] : []), ...Array.from({ length: vendorCount }, (_, i) => `ven_${i}`)];
      // Lines with prices, quantities and their share of a random promotion discount.
      const lines = sellers.flatMap((vendorId) =>
        Array.from({ length: r.int(1, 4) }, (_, i) => ({
          vendorId,
          productId: `prod_${vendorId ?? "store"}_${i}`,
          categoryId: r.pick(["cat_a", "cat_b", "cat_c"]),
          quantity: r.int(1, 5),
          unitPrice: r.int(1, 40_000),
        })),
      );
      const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
      const discount = r.next() < 0.6 ? r.int(0, Math.floor(subtotal * r.next() * 0.5)) : 0;
      const shares = allocate(
        discount,
        lines.map((l) => l.unitPrice * l.quantity),
      );
      const shippingOf = new Map(sellers.map((s) => [s, r.next() < 0.2 ? 0 : r.int(0, 3_000)]));
      const shipping = [...shippingOf.values()].reduce((s, v) => s + v, 0);
      const land = country({
        taxRateBp: r.pick([0, 500, 725, 1000, 1900, 2000, 2500]),
        taxInclusive: r.pick([0, 1]),
        taxShipping: r.pick([0, 1]),
        dutyThreshold: r.pick([null, 0, 10_000]),
        dutyRateBp: r.pick([0, 250, 500]),
      });
      const priced = priceOrder(land, subtotal, shipping, discount);
      const rules: CommissionRule[] = [
        ...(r.next() < 0.8 ? [rule({ scope: "store", target: "", rateBps: r.int(0, 3000), includeShipping: r.next() < 0.5, includeTax: r.next() < 0.5 })] : []),
        ...(r.next() < 0.5
          ? [rule({ scope: "vendor", target: "ven_0", rateBps: r.int(0, 10_000), includeShipping: r.next() < 0.5, includeTax: r.next() < 0.5 })]
          : []),
        ...(r.next() < 0.5 ? [rule({ scope: "category", target: "cat_b", kind: "fixed", fixedAmount: r.int(0, 5_000) })] : []),
        ...(r.next() < 0.3 ? [rule({ scope: "product", target: "prod_ven_1_0", rateBps: r.int(0, 10_000), includeTax: true })] : []),
      ];
      const groups: SplitGroup[] = sellers.map((vendorId) => ({
        vendorId,
        shipping: shippingOf.get(vendorId) ?? 0,
        lines: lines.flatMap((l, i) =>
          l.vendorId === vendorId
            ? [{ productId: l.productId, categoryId: l.categoryId, quantity: l.quantity, paid: l.unitPrice * l.quantity - (shares[i] as number) }]
            : [],
        ),
      }));
      const split = splitOrder({ taxTotal: priced.taxTotal, inclusive: priced.taxInclusive, groups, rules });

      const vendorParts = split.filter((g) => g.vendorId);
      const vendorNets = vendorParts.reduce((s, g) => s + (g.gross - g.commission), 0);
      const commissions = vendorParts.reduce((s, g) => s + g.commission, 0);
      const store = split.find((g) => !g.vendorId);
      const storeOwn = store ? store.gross : 0;
      const context = `seed ${seed}`;
      expect(vendorNets + commissions + storeOwn + priced.taxTotal + priced.duties, context).toBe(priced.grandTotal);
      expect(
        split.reduce((s, g) => s + g.tax, 0),
        context,
      ).toBe(priced.taxTotal);
      for (const g of vendorParts) {
        expect(g.commission, context).toBeGreaterThanOrEqual(0);
        expect(g.commission, context).toBeLessThanOrEqual(g.gross);
        expect(
          g.lines.reduce((s, l) => s + l.commission, 0),
          context,
        ).toBeLessThanOrEqual(g.commission);
      }
    }
  });
});
