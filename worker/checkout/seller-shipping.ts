import type { DisplayCurrency } from "../currency";
import type { SellerGroup } from "../orders";
import { cartWeightGrams, type OrderMoney, orderMoney, priceOrder, quoteFor, type ShippingData, type ShippingMethod } from "../shipping";

type Country = Parameters<typeof quoteFor>[1];

/** A cart line with its share of the order's discounts, as the seller split needs it. */
export interface SplitLine {
  sku: string;
  productId: string | null;
  quantity: number;
  unitPrice: { amount: number };
  discount: number;
}

/** Each seller group's shipping price for one method, and the order's totals with their sum as the shipping. */
export interface SellerShipping {
  perGroup: number[];
  /** What free shipping saved across the groups (0 without it). */
  saved: number;
  totals: OrderMoney;
}

/**
 * Quotes the chosen method once per seller group (each seller sends its own parcel, so each pays its own
 * rate, weight and free-shipping threshold) and prices the order with the sum as its shipping. Null when one
 * group cannot use the method.
 */
export async function quoteBySeller(
  env: Env,
  data: ShippingData,
  country: Country,
  groups: SellerGroup<SplitLine>[],
  method: ShippingMethod,
  money: { currency: string; display: DisplayCurrency; subtotal: number; discount: number; freeShipping: boolean },
): Promise<SellerShipping | null> {
  const perGroup: number[] = [];
  let saved = 0;
  for (const group of groups) {
    const subtotal = group.items.reduce((s, l) => s + l.unitPrice.amount * l.quantity, 0);
    const discount = group.items.reduce((s, l) => s + l.discount, 0);
    const weight = await cartWeightGrams(env, group.items);
    const quote = (freeShipping: boolean) =>
      quoteFor(data, country, subtotal, weight, money.currency, money.display, undefined, { discount, freeShipping }).options.find((o) => o.id === method);
    const option = quote(money.freeShipping);
    if (!option) return null;
    perGroup.push(option.price.amount);
    if (money.freeShipping) saved += quote(false)?.price.amount ?? 0;
  }
  const shipping = perGroup.reduce((s, p) => s + p, 0);
  return { perGroup, saved, totals: orderMoney(priceOrder(country, money.subtotal, shipping, money.discount), money.currency, money.display) };
}
