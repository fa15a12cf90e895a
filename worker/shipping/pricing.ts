import type { DisplayCurrency } from "../currency";
import { convertAmount } from "../currency";
import type { CountryRow } from "../regions";
import type { shippingRates, shippingZones } from "./tables";

// Shipping prices, taxes, duties and quotes as pure functions of the zones, rates and a country's row:
// no I/O, so checkout, the pages and the unit tests compute them the same way.

export type { CountryRow } from "../regions";
export type RateRow = typeof shippingRates.$inferSelect;
export type ZoneRow = typeof shippingZones.$inferSelect;
export type ShippingMethod = "standard" | "express";

/** What a quote is computed from: the zones, every country, and the rates (ordered by zone, method, band). */
export interface ShippingData {
  zones: ZoneRow[];
  countries: Map<string, CountryRow>;
  rates: RateRow[];
}

/** The rate row that prices `method` in `zoneId` for this subtotal: the band with the highest lower bound that contains it. */
export function rateFor(data: ShippingData, zoneId: string, method: ShippingMethod, subtotal: number): RateRow | undefined {
  return data.rates
    .filter((r) => r.active && r.zoneId === zoneId && r.method === method && r.minSubtotal <= subtotal && (r.maxSubtotal === null || subtotal <= r.maxSubtotal))
    .sort((a, b) => b.minSubtotal - a.minSubtotal)[0];
}

/** Base price covers the first kilogram; each further started kilogram adds `perKgPrice`. Free from `freeOver`. */
export function shippingPrice(rate: RateRow, subtotal: number, weightGrams: number): number {
  if (rate.freeOver !== null && subtotal >= rate.freeOver) return 0;
  const extraKg = Math.max(0, Math.ceil(weightGrams / 1000) - 1);
  return rate.basePrice + extraKg * rate.perKgPrice;
}

/** `amount × bp / 10000` rounded half up (amounts are non-negative minor units). */
export function percentOf(amount: number, bp: number): number {
  return Math.floor((amount * bp + 5000) / 10000);
}

/** The tax already inside a tax-inclusive `gross` amount: gross × bp / (10000 + bp), rounded half up. */
export function includedTax(gross: number, bp: number): number {
  return Math.floor((gross * bp * 2 + (10000 + bp)) / (2 * (10000 + bp)));
}

export interface PricedOrder {
  subtotal: number;
  /** Taken off the goods by promotions (the tax and duties are on what is left). */
  discount: number;
  shipping: number;
  taxGoods: number;
  taxShipping: number;
  taxTotal: number;
  /** 1 when the tax is inside subtotal and shipping (VAT/GST countries), so it is not added again. */
  taxInclusive: boolean;
  taxLabel: string;
  taxRateBp: number;
  duties: number;
  grandTotal: number;
}

/**
 * The order's money for one shipping price in one country. Catalog prices
 * are what shoppers pay in tax-inclusive countries (the VAT/GST is shown as
 * included); in tax-exclusive countries (US, CA) the tax is added on top.
 * Import duties are an estimate on the goods (net of included tax) once the
 * goods exceed the country's threshold, and are charged with the order.
 */
export function priceOrder(country: CountryRow, subtotal: number, shipping: number, discount = 0): PricedOrder {
  const bp = country.taxRateBp;
  const inclusive = country.taxInclusive === 1;
  const taxOf = (amount: number) => (bp <= 0 ? 0 : inclusive ? includedTax(amount, bp) : percentOf(amount, bp));
  // Tax and duties are on what the shopper pays for the goods: the subtotal less the discounts.
  const goods = subtotal - discount;
  const taxGoods = taxOf(goods);
  const taxShipping = country.taxShipping ? taxOf(shipping) : 0;
  const taxTotal = taxGoods + taxShipping;
  const netGoods = inclusive ? goods - taxGoods : goods;
  const duties = country.dutyThreshold !== null && goods > country.dutyThreshold ? percentOf(netGoods, country.dutyRateBp) : 0;
  return {
    subtotal,
    discount,
    shipping,
    taxGoods,
    taxShipping,
    taxTotal,
    taxInclusive: inclusive,
    taxLabel: country.taxLabel,
    taxRateBp: bp,
    duties,
    grandTotal: goods + shipping + (inclusive ? 0 : taxTotal) + duties,
  };
}

/** The date `businessDays` working days (Monday–Friday) after `from`, as YYYY-MM-DD (UTC). */
export function addBusinessDays(from: Date, businessDays: number): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  let left = businessDays;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

export interface Money {
  amount: number;
  currency: string;
}

export interface QuotedOption {
  id: ShippingMethod;
  label: string;
  price: Money;
  minDays: number;
  maxDays: number;
  /** Expected delivery dates (YYYY-MM-DD), counting business days from today. */
  estimatedDelivery: { from: string; to: string };
  /** How far the cart is from free shipping with this method (null when the method is never free). */
  freeShipping: { threshold: Money; remaining: Money; qualified: boolean } | null;
  totals: OrderMoney;
}

export interface OrderMoney {
  subtotal: Money;
  /** Taken off the goods by promotions; grandTotal = subtotal − discount + shipping + added tax + duties. */
  discount: Money;
  shipping: Money;
  tax: { label: string; rateBp: number; inclusive: boolean; goods: Money; shipping: Money; total: Money };
  duties: Money;
  /** What is charged, in the base currency. */
  grandTotal: Money;
  /** The same total in the shopper's display currency (an approximation: the charge is in the base currency). */
  displayTotal: Money;
}

export interface Quote {
  country: { code: string; name: string; zone: { id: string; name: string } };
  currency: string;
  display: { currency: string; rateMicros: number; decimals: number };
  subtotal: Money;
  weightGrams: number;
  duties: { applies: boolean; threshold: Money | null; rateBp: number };
  options: QuotedOption[];
}

const METHODS: ShippingMethod[] = ["standard", "express"];

/** The money of one order, in the base currency plus its display-currency total. */
export function orderMoney(priced: PricedOrder, currency: string, display: DisplayCurrency): OrderMoney {
  const m = (amount: number) => ({ amount, currency });
  return {
    subtotal: m(priced.subtotal),
    discount: m(priced.discount),
    shipping: m(priced.shipping),
    tax: {
      label: priced.taxLabel,
      rateBp: priced.taxRateBp,
      inclusive: priced.taxInclusive,
      goods: m(priced.taxGoods),
      shipping: m(priced.taxShipping),
      total: m(priced.taxTotal),
    },
    duties: m(priced.duties),
    grandTotal: m(priced.grandTotal),
    displayTotal: { amount: convertAmount(priced.grandTotal, display), currency: display.code },
  };
}

/** What promotions take off an order: from the goods, and whether shipping is free. */
export interface QuoteDiscount {
  discount: number;
  freeShipping: boolean;
}

/**
 * Every active method of the country's zone, priced for this subtotal and
 * weight (no I/O). With a `promo`, rate bands and free-shipping thresholds
 * look at the subtotal after discounts, and a free-shipping promotion makes
 * every method free.
 */
export function quoteFor(
  data: ShippingData,
  country: CountryRow & { zoneId: string },
  subtotal: number,
  weightGrams: number,
  currency: string,
  display: DisplayCurrency,
  now = new Date(),
  promo: QuoteDiscount = { discount: 0, freeShipping: false },
): Quote {
  const zone = data.zones.find((z) => z.id === country.zoneId);
  const options: QuotedOption[] = [];
  const goods = subtotal - promo.discount;
  for (const method of METHODS) {
    const rate = rateFor(data, country.zoneId, method, goods);
    if (!rate) continue;
    const price = promo.freeShipping ? 0 : shippingPrice(rate, goods, weightGrams);
    const free = rate.freeOver;
    options.push({
      id: method,
      label: rate.label,
      price: { amount: price, currency },
      minDays: rate.minDays,
      maxDays: rate.maxDays,
      estimatedDelivery: { from: addBusinessDays(now, rate.minDays), to: addBusinessDays(now, rate.maxDays) },
      freeShipping:
        free === null ? null : { threshold: { amount: free, currency }, remaining: { amount: Math.max(0, free - goods), currency }, qualified: goods >= free },
      totals: orderMoney(priceOrder(country, subtotal, price, promo.discount), currency, display),
    });
  }
  return {
    country: { code: country.code, name: country.name, zone: { id: country.zoneId, name: zone?.name ?? country.zoneId } },
    currency,
    display: { currency: display.code, rateMicros: display.rateMicros, decimals: display.decimals },
    subtotal: { amount: subtotal, currency },
    weightGrams,
    duties: {
      applies: country.dutyThreshold !== null && goods > country.dutyThreshold,
      threshold: country.dutyThreshold === null ? null : { amount: country.dutyThreshold, currency },
      rateBp: country.dutyRateBp,
    },
    options,
  };
}

/** The lowest free-shipping threshold of the standard method in the country's zone, or null when it never ships free (or not at all). */
export function freeShippingThresholdIn(data: ShippingData, countryCode: string): number | null {
  const country = data.countries.get(countryCode);
  if (!country?.ships || !country.zoneId) return null;
  const thresholds = data.rates
    .filter((r) => r.active && r.zoneId === country.zoneId && r.method === "standard" && r.freeOver !== null)
    .map((r) => r.freeOver as number);
  return thresholds.length ? Math.min(...thresholds) : null;
}
