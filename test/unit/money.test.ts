import { describe, expect, it } from "vitest";
import { decimalText, formatMoney, formatMoneyCode, minorUnitDigits, parseDecimal } from "../../worker/lib/money";

// Currencies chosen for their minor units: USD has 2, JPY none, BHD 3. A formatter that divides by 100 by hand
// is right only for the first.
describe("minorUnitDigits", () => {
  it.each([
    ["USD", 2],
    ["EUR", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["BHD", 3],
    ["KWD", 3],
  ])("%s has %i", (currency, digits) => {
    expect(minorUnitDigits(currency)).toBe(digits);
  });
});

describe("formatMoney", () => {
  it.each([
    [{ amount: 123450, currency: "USD" }, "$1,234.50"],
    [{ amount: 5, currency: "USD" }, "$0.05"],
    [{ amount: 1235, currency: "JPY" }, "¥1,235"],
    [{ amount: 1250, currency: "BHD" }, "BHD 1.250"],
    [{ amount: 0, currency: "USD" }, "$0.00"],
    [{ amount: 0, currency: "JPY" }, "¥0"],
    [{ amount: 0, currency: "BHD" }, "BHD 0.000"],
    [{ amount: -1999, currency: "USD" }, "-$19.99"],
    [{ amount: -500, currency: "JPY" }, "-¥500"],
    [{ amount: -1, currency: "BHD" }, "-BHD 0.001"],
  ])("%j is %s", (money, text) => {
    expect(formatMoney(money).replace(/\u00a0/g, " ")).toBe(text);
  });
});

describe("formatMoneyCode", () => {
  it.each([
    [{ amount: 5499, currency: "USD" }, "USD 54.99"],
    [{ amount: 5499, currency: "JPY" }, "JPY 5,499"],
    [{ amount: 5499, currency: "BHD" }, "BHD 5.499"],
    [{ amount: 0, currency: "USD" }, "USD 0.00"],
    [{ amount: -5499, currency: "USD" }, "-USD 54.99"],
  ])("%j is %s", (money, text) => {
    expect(formatMoneyCode(money)).toBe(text);
  });

  it("uses plain spaces, so the text can be compared and put in notes", () => {
    expect(formatMoneyCode({ amount: 100, currency: "EUR" })).not.toMatch(/\u00a0/);
  });
});

describe("decimalText", () => {
  it.each([
    [{ amount: 123450, currency: "USD" }, "1234.50"],
    [{ amount: 5, currency: "USD" }, "0.05"],
    [{ amount: 1235, currency: "JPY" }, "1235"],
    [{ amount: 1250, currency: "BHD" }, "1.250"],
    [{ amount: 7, currency: "BHD" }, "0.007"],
    [{ amount: 0, currency: "USD" }, "0.00"],
    [{ amount: 0, currency: "JPY" }, "0"],
    [{ amount: -1999, currency: "USD" }, "-19.99"],
    [{ amount: -5, currency: "USD" }, "-0.05"],
    [{ amount: -1235, currency: "JPY" }, "-1235"],
  ])("%j is %s", (money, text) => {
    expect(decimalText(money)).toBe(text);
  });

  it("round-trips through parseDecimal for non-negative amounts", () => {
    for (const currency of ["USD", "JPY", "BHD"])
      for (const amount of [0, 1, 9, 10, 99, 100, 101, 123456, 999999999]) {
        expect(parseDecimal(decimalText({ amount, currency }), currency)).toBe(amount);
      }
  });
});

describe("parseDecimal", () => {
  it.each([
    ["12.5", "USD", 1250],
    ["12.50", "USD", 1250],
    ["12", "USD", 1200],
    ["12.", "USD", 1200],
    ["0.05", "USD", 5],
    [" 3.10 ", "USD", 310],
    ["0", "USD", 0],
    ["1200", "JPY", 1200],
    ["1.25", "BHD", 1250],
    ["1.250", "BHD", 1250],
    ["0.001", "BHD", 1],
  ])("%s %s is %i minor units", (text, currency, amount) => {
    expect(parseDecimal(text, currency)).toBe(amount);
  });

  // More digits than the currency has would need rounding: refused, never rounded or truncated.
  it.each([
    ["12.345", "USD"],
    ["0.001", "USD"],
    ["1200.5", "JPY"],
    ["1.2345", "BHD"],
  ])("refuses %s %s rather than rounding it", (text, currency) => {
    expect(parseDecimal(text, currency)).toBeNull();
  });

  it.each([["-1.00"], ["-0"], [""], ["  "], ["abc"], ["1,000.00"], ["$5"], ["1e3"], [".5"], ["1.2.3"], ["1234567890123"]])(
    "refuses %j (not a plain non-negative decimal)",
    (text) => {
      expect(parseDecimal(text, "USD")).toBeNull();
    },
  );
});
