/** The money of an order as it is shown to shoppers and staff (minor units of one currency). */
export interface OrderTotalsInput {
  subtotal: number;
  shipping: number;
  tax: number;
  taxLabel: string;
  taxInclusive: boolean;
  duties: number;
  discount: number;
  grandTotal: number;
}

export interface OrderTotalLine {
  kind: "subtotal" | "shipping" | "tax" | "duties" | "discount" | "total";
  label: string;
  /** Minor units; negative for the discount. */
  amount: number;
  /** Included in the lines above it (VAT/GST): shown, but not part of the sum. */
  included?: boolean;
}

/**
 * The lines of an order's totals, worded as at checkout: the tax as
 * "Includes VAT" when the prices already contain it, or as its own added line
 * ("Sales tax"); duties only when charged. The lines that are not `included`
 * sum to the total (for orders whose stored totals are consistent).
 */
export function orderTotalLines(t: OrderTotalsInput): OrderTotalLine[] {
  const lines: OrderTotalLine[] = [
    { kind: "subtotal", label: "Subtotal", amount: t.subtotal },
    { kind: "shipping", label: "Shipping", amount: t.shipping },
  ];
  if (t.taxInclusive) {
    if (t.tax > 0) lines.push({ kind: "tax", label: `Includes ${t.taxLabel}`, amount: t.tax, included: true });
  } else lines.push({ kind: "tax", label: t.taxLabel, amount: t.tax });
  if (t.duties > 0) lines.push({ kind: "duties", label: "Import duties (estimate)", amount: t.duties });
  if (t.discount > 0) lines.push({ kind: "discount", label: "Discount", amount: -t.discount });
  lines.push({ kind: "total", label: "Total", amount: t.grandTotal });
  return lines;
}

/** The same lines for an order as `orderDetail` answers it. */
export function detailTotalLines(d: {
  totals: Record<"subtotal" | "shipping" | "tax" | "duties" | "discount" | "grandTotal", { amount: number }>;
  tax: { label: string; inclusive: boolean };
}): OrderTotalLine[] {
  return orderTotalLines({
    subtotal: d.totals.subtotal.amount,
    shipping: d.totals.shipping.amount,
    tax: d.totals.tax.amount,
    taxLabel: d.tax.label,
    taxInclusive: d.tax.inclusive,
    duties: d.totals.duties.amount,
    discount: d.totals.discount.amount,
    grandTotal: d.totals.grandTotal.amount,
  });
}
