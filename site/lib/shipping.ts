import { env } from "cloudflare:workers";
import { effectiveRule } from "../../worker/accounts/address-rules";
import { requestCountry } from "../../worker/currency/service";
import { cartWeightGrams, freeShippingThreshold, servedCountry, shippingData } from "../../worker/shipping/service";
import { type Quote, quoteFor } from "../../worker/shipping/quote";
import type { CartView } from "../../worker/cart/schema";
import type { DisplayCurrency } from "../../worker/currency/convert";
import { AppError } from "../../worker/lib/errors";
import type { FieldRule } from "./address-form";
import { formatPrice } from "./format";

/** Countries the store ships to, by name, for address selects. */
export async function servedCountries(): Promise<{ code: string; name: string }[]> {
  const data = await shippingData(env);
  return [...data.countries.values()].filter((c) => c.ships === 1 && c.zoneId).map((c) => ({ code: c.code, name: c.name }));
}

/** The address fields' labels and requiredness for a country, from the rules admins keep in D1. */
export async function countryFieldRule(code: string): Promise<FieldRule> {
  const data = await shippingData(env);
  const rule = effectiveRule(code, data.countries.get(code));
  return {
    regionLabel: rule.regionLabel ?? "State, province or region",
    regionRequired: rule.regionRequired ?? false,
    regions: rule.regions ?? null,
    postalLabel: rule.postalLabel,
    postalRequired: rule.postalRequired,
    postalHint: rule.postalExample ? `For example ${rule.postalExample}` : "",
  };
}

/** The quote for a cart shipped to `country`, or the reason there is none (a country the store does not serve). */
export async function pageQuote(cart: CartView, country: string, display: DisplayCurrency): Promise<{ quote: Quote | null; problem: string | null }> {
  const data = await shippingData(env);
  try {
    const served = servedCountry(data, country);
    const weight = await cartWeightGrams(env, cart.items);
    return { quote: quoteFor(data, served, cart.subtotal.amount, weight, env.BASE_CURRENCY, display), problem: null };
  } catch (error) {
    if (error instanceof AppError) return { quote: null, problem: error.message };
    throw error;
  }
}

/** "Mon 30 Nov" from "2026-11-30". */
export function shortDate(iso: string): string {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-US", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
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
