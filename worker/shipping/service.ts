/**
 * Shipping options for a cart. Flat rates for now: zones by country, weight
 * tiers, duties and taxes arrive with the shipping issue (#5), behind this
 * same function.
 */
export interface ShippingOption {
  id: "standard" | "express";
  label: string;
  amount: number;
  currency: string;
  minDays: number;
  maxDays: number;
}

const FREE_STANDARD_FROM = 7500;

export function shippingOptions(subtotal: number, country: string, currency: string): ShippingOption[] {
  const domestic = country === "US";
  return [
    {
      id: "standard",
      label: subtotal >= FREE_STANDARD_FROM && domestic ? "Standard (free over $75)" : "Standard",
      amount: subtotal >= FREE_STANDARD_FROM && domestic ? 0 : domestic ? 599 : 1999,
      currency,
      minDays: domestic ? 3 : 6,
      maxDays: domestic ? 5 : 12,
    },
    { id: "express", label: "Express", amount: domestic ? 1499 : 3999, currency, minDays: domestic ? 1 : 3, maxDays: domestic ? 2 : 5 },
  ];
}
