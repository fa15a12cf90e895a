import { lookupSkus, SKU_FACTS_MAX_AGE_MS } from "../catalog";
import type { DisplayCurrency } from "../currency";
import { type OrderMoney, orderMoney, priceOrder, type Quote, type QuoteDiscount, quoteFor, type ShippingData, type ShippingMethod } from "./pricing";

type Country = Parameters<typeof quoteFor>[1];

/** A cart line as a per-seller quote needs it: its product (for the seller), price and its share of the discounts. */
export interface SplitLine {
  sku: string;
  productId: string | null;
  quantity: number;
  unitPrice: { amount: number };
  /** This line's part of the goods discount (minor units); 0 when there is none. */
  discount: number;
}

/** Lines of one seller: `vendorId` null for the store's own products. */
export interface ParcelGroup<T> {
  vendorId: string | null;
  items: T[];
}

/** Each seller group's shipping price for one method, and the order's totals with their sum as the shipping. */
export interface SellerShipping {
  perGroup: number[];
  /** What free shipping saved across the groups (0 without it). */
  saved: number;
  totals: OrderMoney;
}

type Weigh = (lines: { sku: string; quantity: number }[]) => Promise<number>;

/**
 * Quotes one method once per seller group (each seller sends its own parcel, so each pays its own rate, weight
 * and free-shipping threshold) and prices the order with the sum as its shipping. Null when one group cannot use
 * the method. Checkout charges exactly this; the cart's quote (`quoteBySellerParcels`) shows it.
 */
export async function quoteBySeller(
  weigh: Weigh,
  data: ShippingData,
  country: Country,
  groups: ParcelGroup<SplitLine>[],
  method: ShippingMethod,
  money: { currency: string; display: DisplayCurrency; subtotal: number; discount: number; freeShipping: boolean },
): Promise<SellerShipping | null> {
  const perGroup: number[] = [];
  let saved = 0;
  for (const group of groups) {
    const subtotal = group.items.reduce((s, l) => s + l.unitPrice.amount * l.quantity, 0);
    const discount = group.items.reduce((s, l) => s + l.discount, 0);
    const weight = await weigh(group.items);
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

/** Splits lines by seller: the store's own group first, then vendors in id order (the order checkout writes them in). */
export function groupLinesBySeller<T extends { productId: string | null }>(items: T[], sellers: Map<string, string | null>): ParcelGroup<T>[] {
  const groups = new Map<string | null, T[]>();
  for (const item of items) {
    const vendorId = item.productId ? (sellers.get(item.productId) ?? null) : null;
    groups.set(vendorId, [...(groups.get(vendorId) ?? []), item]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? -1 : b === null ? 1 : a.localeCompare(b)))
    .map(([vendorId, list]) => ({ vendorId, items: list }));
}

/**
 * The quote of a cart as checkout will charge it: a cart of one seller is quoted as a whole; a cart of several
 * ships one parcel per seller, so every method is priced as the sum of the groups' prices (a method some seller
 * cannot use is left out) and its totals are priced on that sum. Free-shipping progress is per parcel then, so
 * the options carry none.
 *
 * Shown, not charged (checkout weighs and groups again from D1): the lines' weights and sellers come from the
 * catalog's SKU facts, which the cart views have just read fresh for the prices, so a quote costs no query of
 * its own, however many sellers and methods it prices.
 */
export async function quoteBySellerParcels(
  env: Env,
  data: ShippingData,
  country: Country,
  lines: SplitLine[],
  currency: string,
  display: DisplayCurrency,
  promo: QuoteDiscount = { discount: 0, freeShipping: false },
): Promise<Quote> {
  const facts = await lookupSkus(
    env,
    lines.map((l) => l.sku),
    SKU_FACTS_MAX_AGE_MS,
  );
  const weigh: Weigh = async (ls) => ls.reduce((sum, l) => sum + (facts.get(l.sku)?.weightGrams ?? 0) * l.quantity, 0);
  const sellers = new Map([...facts.values()].map((f) => [f.productId, f.vendorId]));
  const subtotal = lines.reduce((s, l) => s + l.unitPrice.amount * l.quantity, 0);
  const whole = quoteFor(data, country, subtotal, await weigh(lines), currency, display, undefined, promo);
  const groups = groupLinesBySeller(lines, sellers);
  if (groups.length <= 1) return whole;
  const options = [];
  for (const option of whole.options) {
    const split = await quoteBySeller(weigh, data, country, groups, option.id, {
      currency,
      display,
      subtotal,
      discount: promo.discount,
      freeShipping: promo.freeShipping,
    });
    if (!split) continue;
    options.push({ ...option, price: split.totals.shipping, freeShipping: null, totals: split.totals });
  }
  return { ...whole, options };
}

/** Shares `total` over `weights` by largest remainder, so the parts add up exactly (a cart's discount over its lines). */
export function shareDiscount(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (total <= 0 || sum <= 0) return weights.map(() => 0);
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map(Math.floor);
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left -= 1;
  }
  return parts;
}
