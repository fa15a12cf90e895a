import { env } from "cloudflare:workers";
import type { CartView } from "../../worker/cart/schema";
import { type DisplayCurrency, requestCountry } from "../../worker/currency";
import { addressRuleFor } from "../../worker/regions";
import { freeShippingThreshold, type Quote, type QuoteDiscount, quoteLines, servedCountries as shippingServedCountries } from "../../worker/shipping";
import { type FieldRule, toFieldRule } from "./address-form";
import { formatPrice } from "./format";

/** Countries the store ships to, by name, for address selects. */
export function servedCountries(): Promise<{ code: string; name: string }[]> {
  return shippingServedCountries(env);
}

/** The address fields' labels and requiredness for a country, from the rules admins keep in D1. */
export async function countryFieldRule(code: string): Promise<FieldRule> {
  return toFieldRule(await addressRuleFor(env, code));
}

/**
 * The quote for a cart shipped to `country` (one parcel per seller, as checkout charges it), or the reason there is
 * none (a country the store does not serve).
 */
export function pageQuote(
  cart: CartView,
  country: string,
  display: DisplayCurrency,
  promo?: QuoteDiscount & { lineDiscounts?: number[] },
): Promise<{ quote: Quote | null; problem: string | null }> {
  return quoteLines(env, cart.items, country, display, promo);
}

const shortDays = new Intl.DateTimeFormat("en-US", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });

/** "Mon 30 Nov" from "2026-11-30". */
export function shortDate(iso: string): string {
  return shortDays.format(new Date(`${iso}T12:00:00Z`));
}

/**
 * What the storefront may promise about free shipping to this visitor: the standard method's threshold in
 * their country's zone, in their display currency (`amount` null where the zone never ships free or the
 * country is not served). Pages render it instead of a fixed number, so "free over …" is true everywhere.
 */
export async function freeShippingOffer(request: Request, display: DisplayCurrency): Promise<{ amount: string | null }> {
  const threshold = await freeShippingThreshold(env, requestCountry(request) ?? "US");
  if (threshold === null) return { amount: null };
  return { amount: formatPrice({ amount: threshold, currency: env.BASE_CURRENCY }, display).replace(/\.00$/, "") };
}
