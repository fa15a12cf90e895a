import { describe, expect, it } from "vitest";
import { detailTotalLines, orderTotalLines } from "../../worker/orders/totals";

const base = { subtotal: 10_000, shipping: 500, tax: 0, taxLabel: "Sales tax", taxInclusive: false, duties: 0, discount: 0, grandTotal: 10_500 };
const summed = (lines: ReturnType<typeof orderTotalLines>) => lines.filter((l) => l.kind !== "total" && !l.included).reduce((s, l) => s + l.amount, 0);

describe("orderTotalLines", () => {
  it("adds a sales tax as its own line, and the lines sum to the total", () => {
    const lines = orderTotalLines({ ...base, tax: 863, grandTotal: 11_363 });
    expect(lines.map((l) => [l.kind, l.label, l.amount])).toEqual([
      ["subtotal", "Subtotal", 10_000],
      ["shipping", "Shipping", 500],
      ["tax", "Sales tax", 863],
      ["total", "Total", 11_363],
    ]);
    expect(summed(lines)).toBe(11_363);
  });

  it("shows a VAT already inside the prices as “Includes VAT”, outside the sum", () => {
    const lines = orderTotalLines({ ...base, tax: 1_750, taxLabel: "VAT", taxInclusive: true });
    expect(lines.find((l) => l.kind === "tax")).toEqual({ kind: "tax", label: "Includes VAT", amount: 1_750, included: true });
    expect(summed(lines)).toBe(10_500);
  });

  it("leaves out an inclusive tax of zero but keeps an added tax of zero", () => {
    expect(orderTotalLines({ ...base, taxLabel: "VAT", taxInclusive: true }).some((l) => l.kind === "tax")).toBe(false);
    expect(orderTotalLines(base).find((l) => l.kind === "tax")?.amount).toBe(0);
  });

  it("shows duties only when charged, and a discount as a negative line", () => {
    expect(orderTotalLines(base).some((l) => l.kind === "duties")).toBe(false);
    const lines = orderTotalLines({ ...base, duties: 1_200, discount: 1_000, grandTotal: 10_700 });
    expect(lines.find((l) => l.kind === "duties")).toMatchObject({ label: "Import duties (estimate)", amount: 1_200 });
    expect(lines.find((l) => l.kind === "discount")).toMatchObject({ label: "Discount", amount: -1_000 });
    expect(summed(lines)).toBe(10_700);
    expect(lines.at(-1)).toMatchObject({ kind: "total", amount: 10_700 });
  });
});

describe("detailTotalLines", () => {
  it("words an order as the API answers it the same way as the stored totals", () => {
    const money = (amount: number) => ({ amount, currency: "EUR" });
    const detail = {
      totals: {
        subtotal: money(10_000),
        shipping: money(500),
        tax: money(1_750),
        duties: money(0),
        discount: money(0),
        grandTotal: money(10_500),
      },
      tax: { label: "VAT", inclusive: true },
    };
    expect(detailTotalLines(detail)).toEqual(orderTotalLines({ ...base, tax: 1_750, taxLabel: "VAT", taxInclusive: true }));
  });
});
