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
  /** What made up `discount`, for one line each (promotions by name and code, then points); absent: one "Discount" line. */
  savings?: { promotions: { name: string; code: string | null; amount: number }[]; points: { points: number; value: number } | null };
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
  if (t.discount > 0) {
    const named = [
      ...(t.savings?.promotions ?? []).filter((p) => p.amount > 0).map((p) => ({ label: p.code ? `${p.name} (code ${p.code})` : p.name, amount: p.amount })),
      ...(t.savings?.points ? [{ label: `Points redeemed (${t.savings.points.points})`, amount: t.savings.points.value }] : []),
    ];
    const rest = t.discount - named.reduce((sum, n) => sum + n.amount, 0);
    // Named parts only when they account for the whole discount, so the shown lines always sum to the total.
    if (named.length && rest === 0) for (const n of named) lines.push({ kind: "discount", label: n.label, amount: -n.amount });
    else lines.push({ kind: "discount", label: "Discount", amount: -t.discount });
  }
  lines.push({ kind: "total", label: "Total", amount: t.grandTotal });
  return lines;
}

/** The same lines for an order as `orderDetail` answers it. */
export function detailTotalLines(d: {
  totals: Record<"subtotal" | "shipping" | "tax" | "duties" | "discount" | "grandTotal", { amount: number }>;
  tax: { label: string; inclusive: boolean };
  savings?: { promotions: { name: string; code: string | null; amount: { amount: number } }[]; points: { points: number; value: { amount: number } } | null };
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
    savings: d.savings && {
      promotions: d.savings.promotions.map((p) => ({ name: p.name, code: p.code, amount: p.amount.amount })),
      points: d.savings.points && { points: d.savings.points.points, value: d.savings.points.value.amount },
    },
  });
}
