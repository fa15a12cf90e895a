/** One amount above the goods on a hosted payment page (shipping, added tax, duties). */
export interface ExtraCharge {
  name: string;
  amount: number;
}

/**
 * What the shopper pays on top of the goods, one line each: shipping, the tax
 * only when it is added (a VAT/GST already inside the prices is not charged
 * again), and estimated import duties. Zero amounts are left out.
 */
export function extraCharges(o: { shipping: number; tax: number; taxLabel: string; taxInclusive: boolean; duties: number }): ExtraCharge[] {
  const charges: ExtraCharge[] = [
    { name: "Shipping", amount: o.shipping },
    { name: o.taxLabel, amount: o.taxInclusive ? 0 : o.tax },
    { name: "Import duties (estimate)", amount: o.duties },
  ];
  return charges.filter((c) => c.amount > 0);
}

/**
 * Throws unless the goods and the charges add up to exactly `grandTotal`
 * (a provider must never charge a different amount than the order records).
 */
export function assertChargesSum(lines: { unitPrice: number; quantity: number }[], charges: ExtraCharge[], grandTotal: number): void {
  const sum = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0) + charges.reduce((s, c) => s + c.amount, 0);
  if (sum !== grandTotal) throw new Error(`payment lines sum to ${sum}, the order's total is ${grandTotal}`);
}
