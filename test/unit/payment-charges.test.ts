import { describe, expect, it } from "vitest";
import { assertChargesSum, extraCharges } from "../../worker/payments/charges";

const order = { shipping: 500, tax: 863, taxLabel: "Sales tax", taxInclusive: false, duties: 0 };

describe("extraCharges", () => {
  it("charges shipping and an added tax as their own lines, leaving out zero amounts", () => {
    expect(extraCharges(order)).toEqual([
      { name: "Shipping", amount: 500 },
      { name: "Sales tax", amount: 863 },
    ]);
  });

  it("never charges a tax that is already inside the prices again", () => {
    expect(extraCharges({ ...order, taxLabel: "VAT", taxInclusive: true })).toEqual([{ name: "Shipping", amount: 500 }]);
  });

  it("adds estimated import duties as a line; free shipping has none", () => {
    expect(extraCharges({ ...order, shipping: 0, duties: 1_200 })).toEqual([
      { name: "Sales tax", amount: 863 },
      { name: "Import duties (estimate)", amount: 1_200 },
    ]);
  });
});

describe("assertChargesSum", () => {
  const lines = [
    { unitPrice: 2_500, quantity: 2 },
    { unitPrice: 1_000, quantity: 1 },
  ];

  it("accepts goods and charges that add up to exactly the order's total", () => {
    expect(() => assertChargesSum(lines, extraCharges(order), 6_000 + 500 + 863)).not.toThrow();
  });

  it("refuses a total that is off by one minor unit either way", () => {
    expect(() => assertChargesSum(lines, extraCharges(order), 7_362)).toThrow(/sum to 7363/);
    expect(() => assertChargesSum(lines, extraCharges(order), 7_364)).toThrow(/order's total is 7364/);
  });
});
