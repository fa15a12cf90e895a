import { addressProblems } from "../accounts/address-rules";
import { viewCart } from "../cart";
import { type DisplayCurrency, convertAmount } from "../currency/convert";
import { AppError } from "../lib/errors";
import {
  addBusinessDays,
  type CountryRow,
  cartWeightGrams,
  type PricedOrder,
  priceOrder,
  rateFor,
  type ShippingData,
  type ShippingMethod,
  servedCountry,
  shippingData,
  shippingPrice,
} from "./service";

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

/** Every active method of the country's zone, priced for this subtotal and weight (no I/O). */
export function quoteFor(
  data: ShippingData,
  country: CountryRow & { zoneId: string },
  subtotal: number,
  weightGrams: number,
  currency: string,
  display: DisplayCurrency,
  now = new Date(),
): Quote {
  const zone = data.zones.find((z) => z.id === country.zoneId);
  const options: QuotedOption[] = [];
  for (const method of METHODS) {
    const rate = rateFor(data, country.zoneId, method, subtotal);
    if (!rate) continue;
    const price = shippingPrice(rate, subtotal, weightGrams);
    const free = rate.freeOver;
    options.push({
      id: method,
      label: rate.label,
      price: { amount: price, currency },
      minDays: rate.minDays,
      maxDays: rate.maxDays,
      estimatedDelivery: { from: addBusinessDays(now, rate.minDays), to: addBusinessDays(now, rate.maxDays) },
      freeShipping:
        free === null
          ? null
          : { threshold: { amount: free, currency }, remaining: { amount: Math.max(0, free - subtotal), currency }, qualified: subtotal >= free },
      totals: orderMoney(priceOrder(country, subtotal, price), currency, display),
    });
  }
  return {
    country: { code: country.code, name: country.name, zone: { id: country.zoneId, name: zone?.name ?? country.zoneId } },
    currency,
    display: { currency: display.code, rateMicros: display.rateMicros, decimals: display.decimals },
    subtotal: { amount: subtotal, currency },
    weightGrams,
    duties: {
      applies: country.dutyThreshold !== null && subtotal > country.dutyThreshold,
      threshold: country.dutyThreshold === null ? null : { amount: country.dutyThreshold, currency },
      rateBp: country.dutyRateBp,
    },
    options,
  };
}

/**
 * The shipping quote for a cart: its subtotal and weight from the catalog,
 * priced for the country (422 `shipping.country_not_served` when the store
 * does not ship there; 400 naming `postalCode`/`region` when given but invalid).
 */
export async function quoteCart(
  env: Env,
  input: { cartId: string | null; country: string; postalCode?: string; region?: string; display: DisplayCurrency },
): Promise<Quote> {
  const data = await shippingData(env);
  const country = servedCountry(data, input.country);
  if (input.postalCode || input.region) {
    const problems = addressProblems({ country: country.code, postalCode: input.postalCode, region: input.region }, country).filter(
      (p) => (p.path === "postalCode" && input.postalCode) || (p.path === "region" && input.region),
    );
    if (problems.length) throw new AppError("shipping.invalid_address", 400, "The address does not match the country's format.", problems);
  }
  const cart = input.cartId ? await viewCart(env, input.cartId) : null;
  const lines = cart?.items ?? [];
  const subtotal = lines.reduce((s, i) => s + i.unitPrice.amount * i.quantity, 0);
  const weight = await cartWeightGrams(env, lines);
  return quoteFor(data, country, subtotal, weight, env.BASE_CURRENCY, input.display);
}
