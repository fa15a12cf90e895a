import { asc, inArray } from "drizzle-orm";
import { productVariants } from "../catalog/tables";
import { purgeCurrencyCache } from "../currency/service";
import { getDb } from "../db/client";
import { AppError } from "../lib/errors";
import { MemoCache } from "../lib/memo-cache";
import { countries, shippingRates, shippingZones } from "./tables";

export type CountryRow = typeof countries.$inferSelect;
export type RateRow = typeof shippingRates.$inferSelect;
export type ZoneRow = typeof shippingZones.$inferSelect;
export type ShippingMethod = "standard" | "express";

export interface ShippingData {
  zones: ZoneRow[];
  countries: Map<string, CountryRow>;
  rates: RateRow[];
}

const TTL_MS = 60_000;
const cache = new MemoCache(16);

/** Zones, countries and rates from this isolate's memory (60 s; purged by every settings write). */
export function shippingData(env: Env): Promise<ShippingData> {
  return cache.get("data", TTL_MS, async () => {
    const db = getDb(env.DB);
    const [zones, countryRows, rates] = await db.batch([
      db.select().from(shippingZones).orderBy(asc(shippingZones.position), asc(shippingZones.name)),
      db.select().from(countries).orderBy(asc(countries.name)),
      db.select().from(shippingRates).orderBy(asc(shippingRates.zoneId), asc(shippingRates.method), asc(shippingRates.minSubtotal)),
    ]);
    return { zones, countries: new Map(countryRows.map((c) => [c.code, c])), rates };
  });
}

/** Forgets zones, countries, rates and exchange rates in this isolate (after an admin write). */
export function purgeShippingCache(): void {
  cache.purge();
  purgeCurrencyCache();
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
export function priceOrder(country: CountryRow, subtotal: number, shipping: number): PricedOrder {
  const bp = country.taxRateBp;
  const inclusive = country.taxInclusive === 1;
  const taxOf = (amount: number) => (bp <= 0 ? 0 : inclusive ? includedTax(amount, bp) : percentOf(amount, bp));
  const taxGoods = taxOf(subtotal);
  const taxShipping = country.taxShipping ? taxOf(shipping) : 0;
  const taxTotal = taxGoods + taxShipping;
  const netGoods = inclusive ? subtotal - taxGoods : subtotal;
  const duties = country.dutyThreshold !== null && subtotal > country.dutyThreshold ? percentOf(netGoods, country.dutyRateBp) : 0;
  return {
    subtotal,
    shipping,
    taxGoods,
    taxShipping,
    taxTotal,
    taxInclusive: inclusive,
    taxLabel: country.taxLabel,
    taxRateBp: bp,
    duties,
    grandTotal: subtotal + shipping + (inclusive ? 0 : taxTotal) + duties,
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

/** The lowest free-shipping threshold of the standard method in the country's zone, or null when it never ships free (or not at all). */
export async function freeShippingThreshold(env: Env, countryCode: string): Promise<number | null> {
  const data = await shippingData(env);
  const country = data.countries.get(countryCode);
  if (!country?.ships || !country.zoneId) return null;
  const thresholds = data.rates
    .filter((r) => r.active && r.zoneId === country.zoneId && r.method === "standard" && r.freeOver !== null)
    .map((r) => r.freeOver as number);
  return thresholds.length ? Math.min(...thresholds) : null;
}
