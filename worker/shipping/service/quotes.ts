// Quotes: the zones, rates and countries a quote reads (kept in the isolate, purged by every settings write), and
// the quotes of a cart or of plain lines.
import { asc, inArray } from "drizzle-orm";
import { viewCart } from "../../cart";
import { productVariants } from "../../catalog/tables";
import { type DisplayCurrency, purgeCurrencyCache } from "../../currency";
import { getDb } from "../../db/client";
import { onCacheVersionChange } from "../../lib/cache-version";
import { AppError } from "../../lib/errors";
import { MemoCache } from "../../lib/memo-cache";
import { addressProblems, type CountryRow, countryRows, effectiveRule, purgeRegionsCache } from "../../regions";
import { freeShippingThresholdIn, type Quote, type QuoteDiscount, type ShippingData } from "../pricing";
import type { ShippingCountry } from "../schema";
import { quoteBySellerParcels, shareDiscount } from "../seller-parcels";
import { shippingRates, shippingZones } from "../tables";

const TTL_MS = 60_000;
const cache = new MemoCache(16);

/** Forgets the zones, rates, and the countries and exchange rates quotes use, held in this isolate. */
export function purgeShippingCache(): void {
  cache.purge();
  purgeRegionsCache();
  purgeCurrencyCache();
}
// Another isolate's write (a zone, a rate, a country) moves the cache version: this copy goes with it.
onCacheVersionChange(purgeShippingCache);

/** Zones, countries and rates from this isolate's memory (60 s; purged by every settings write). */
export async function shippingData(env: Env): Promise<ShippingData> {
  const [own, countries] = await Promise.all([
    cache.get("data", TTL_MS, async () => {
      const db = getDb(env.DB);
      const [zones, rates] = await db.batch([
        db.select().from(shippingZones).orderBy(asc(shippingZones.position), asc(shippingZones.name)),
        db.select().from(shippingRates).orderBy(asc(shippingRates.zoneId), asc(shippingRates.method), asc(shippingRates.minSubtotal)),
      ]);
      return { zones, rates };
    }),
    countryRows(env),
  ]);
  return { ...own, countries };
}

/**
 * The country's row if the store ships there; otherwise a 422
 * `shipping.country_not_served` naming `path` (the country field).
 */
export function servedCountry(data: ShippingData, code: string, path = "country"): CountryRow & { zoneId: string } {
  const row = data.countries.get(code.toUpperCase());
  if (!row?.ships || !row.zoneId) {
    throw new AppError("shipping.country_not_served", 422, `We do not ship to ${row?.name ?? code} yet.`, [
      { path, message: `We do not ship to ${row?.name ?? code}` },
    ]);
  }
  return row as CountryRow & { zoneId: string };
}

/** Total weight of cart lines in grams (variants without a weight count as 0). */
export async function cartWeightGrams(env: Env, lines: { sku: string; quantity: number }[]): Promise<number> {
  if (!lines.length) return 0;
  const rows = await getDb(env.DB)
    .select({ sku: productVariants.sku, weight: productVariants.weightGrams })
    .from(productVariants)
    .where(
      inArray(
        productVariants.sku,
        lines.map((l) => l.sku),
      ),
    );
  const weights = new Map(rows.map((r) => [r.sku, r.weight]));
  return lines.reduce((sum, l) => sum + (weights.get(l.sku) ?? 0) * l.quantity, 0);
}

/** The lowest free-shipping threshold of the standard method in the country's zone, or null when it never ships free (or not at all). */
export async function freeShippingThreshold(env: Env, countryCode: string): Promise<number | null> {
  return freeShippingThresholdIn(await shippingData(env), countryCode);
}

/** The countries the store ships to, by name (for address selects). */
export async function servedCountries(env: Env): Promise<{ code: string; name: string }[]> {
  const data = await shippingData(env);
  return [...data.countries.values()].filter((c) => c.ships === 1 && c.zoneId).map((c) => ({ code: c.code, name: c.name }));
}

/** Every known country with its address form rules and whether the store ships there. */
export async function shippingCountries(env: Env): Promise<ShippingCountry[]> {
  const data = await shippingData(env);
  return [...data.countries.values()].map((row) => {
    const rule = effectiveRule(row.code, row);
    return {
      code: row.code,
      name: row.name,
      ships: row.ships === 1 && row.zoneId !== null,
      zone: row.zoneId,
      currency: row.currency,
      postalLabel: rule.postalLabel,
      postalRequired: rule.postalRequired,
      postalPattern: row.postalPattern,
      postalExample: row.postalExample,
      regionRequired: row.regionRequired === 1,
      regionLabel: row.regionLabel,
      regions: rule.regions ?? null,
    };
  });
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
  const lines = (cart?.items ?? []).map((i) => ({ ...i, discount: 0 }));
  // One parcel per seller, priced as checkout charges it.
  return quoteBySellerParcels(env, data, country, lines, env.BASE_CURRENCY, input.display);
}

/**
 * The quote for lines already in hand (a page's cart), one parcel per seller as checkout charges it, or the reason
 * there is none (a country the store does not serve).
 */
export async function quoteLines(
  env: Env,
  lines: { sku: string; productId: string | null; quantity: number; unitPrice: { amount: number } }[],
  country: string,
  display: DisplayCurrency,
  promo?: QuoteDiscount & { lineDiscounts?: number[] },
): Promise<{ quote: Quote | null; problem: string | null }> {
  const data = await shippingData(env);
  try {
    const served = servedCountry(data, country);
    // Each line's share of the discounts as checkout allocates it (given by promotions), else in proportion.
    const shares =
      promo?.lineDiscounts ??
      shareDiscount(
        promo?.discount ?? 0,
        lines.map((l) => l.unitPrice.amount * l.quantity),
      );
    const split = lines.map((l, i) => ({ ...l, discount: shares[i] ?? 0 }));
    const discount = { discount: promo?.discount ?? 0, freeShipping: promo?.freeShipping ?? false };
    // One parcel per seller, priced as checkout charges it.
    return {
      quote: await quoteBySellerParcels(env, data, served, split, env.BASE_CURRENCY, display, discount),
      problem: null,
    };
  } catch (error) {
    if (error instanceof AppError) return { quote: null, problem: error.message };
    throw error;
  }
}
