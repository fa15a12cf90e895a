import { asc, eq, inArray } from "drizzle-orm";
import { viewCart } from "../cart";
import { productVariants } from "../catalog/tables";
import { type DisplayCurrency, purgeCurrencyCache } from "../currency";
import { getDb } from "../db/client";
import type { AuditActor } from "../lib/audit";
import { onCacheVersionChange } from "../lib/cache-version";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { MemoCache } from "../lib/memo-cache";
import { commitSettingsChange } from "../lib/settings-write";
import { addressProblems, type CountryRow, countriesInZone, countryRows, effectiveRule, purgeRegionsCache, registerCountryCheck } from "../regions";
import { freeShippingThresholdIn, type Quote, type QuoteDiscount, type RateRow, type ShippingData, type ZoneRow } from "./pricing";
import type { RateBody, RatePatch, ShippingCountry, ShippingRate, ZoneBody, ZonePatch } from "./schema";
import { quoteBySellerParcels, shareDiscount } from "./seller-parcels";
import { shippingRates, shippingZones } from "./tables";

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

// --- Staff: zones and rates -------------------------------------------------------------------------

const field = (path: string, message: string, status: 400 | 409 = 400, code = "settings.invalid") => new AppError(code, status, message, [{ path, message }]);
const changed = { forget: purgeShippingCache, pagesChange: true };
const rateView = (r: RateRow): ShippingRate => ({ ...r, active: r.active === 1 });

async function zoneProblem(env: Env, zoneId: string | null | undefined, path = "zoneId"): Promise<{ path: string; message: string } | null> {
  if (!zoneId) return null;
  const [zone] = await getDb(env.DB).select({ id: shippingZones.id }).from(shippingZones).where(eq(shippingZones.id, zoneId));
  return zone ? null : { path, message: `No zone "${zoneId}"` };
}
async function assertZone(env: Env, zoneId: string | null | undefined): Promise<void> {
  const problem = await zoneProblem(env, zoneId);
  if (problem) throw field(problem.path, problem.message);
}

// A country can only join a zone that exists.
registerCountryCheck(async (env, fields) => {
  const problem = await zoneProblem(env, fields.zoneId);
  return problem ? [problem] : [];
});

/** The zones and rates as staff see them. */
export async function shippingSettings(env: Env): Promise<{ zones: ZoneRow[]; rates: ShippingRate[] }> {
  const db = getDb(env.DB);
  const [zones, rates] = await db.batch([
    db.select().from(shippingZones).orderBy(shippingZones.position, shippingZones.name),
    db.select().from(shippingRates).orderBy(shippingRates.zoneId, shippingRates.method, shippingRates.minSubtotal),
  ]);
  return { zones, rates: rates.map(rateView) };
}

/** Creates a shipping zone (audited); 409 `settings.duplicate` when its id exists. */
export async function createZone(env: Env, actor: AuditActor, body: ZoneBody): Promise<ZoneRow> {
  const db = getDb(env.DB);
  const [existing] = await db.select().from(shippingZones).where(eq(shippingZones.id, body.id));
  if (existing) throw field("id", `A zone "${body.id}" exists already`, 409, "settings.duplicate");
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.zone.create", entityType: "shipping_zone", entityId: body.id, after: body },
    [db.insert(shippingZones).values(body)],
    changed,
  );
  return body;
}

/** Renames or reorders a zone (audited). */
export async function updateZone(env: Env, actor: AuditActor, id: string, patch: ZonePatch): Promise<ZoneRow> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingZones).where(eq(shippingZones.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No zone "${id}".`);
  const after = { ...before, ...patch };
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.zone.update", entityType: "shipping_zone", entityId: id, before, after },
    [db.update(shippingZones).set(patch).where(eq(shippingZones.id, id))],
    changed,
  );
  return after;
}

/** Deletes a zone no country belongs to, with its rates (audited); 409 `settings.zone_in_use` otherwise. */
export async function deleteZone(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingZones).where(eq(shippingZones.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No zone "${id}".`);
  const members = await countriesInZone(env, id);
  if (members.length)
    throw field("id", `Move its ${members.length} countries to another zone first (${members.map((m) => m.code).join(", ")})`, 409, "settings.zone_in_use");
  // Its rates go with it (ON DELETE CASCADE).
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.zone.delete", entityType: "shipping_zone", entityId: id, before },
    [db.delete(shippingZones).where(eq(shippingZones.id, id))],
    changed,
  );
}

function checkRate(r: { minDays?: number; maxDays?: number; minSubtotal?: number; maxSubtotal?: number | null }) {
  if (r.minDays !== undefined && r.maxDays !== undefined && r.minDays > r.maxDays) throw field("maxDays", "At least the minimum days");
  if (r.maxSubtotal !== undefined && r.maxSubtotal !== null && r.maxSubtotal < (r.minSubtotal ?? 0)) throw field("maxSubtotal", "At least the lower bound");
}

/** Adds a shipping rate to a zone (audited). */
export async function createRate(env: Env, actor: AuditActor, body: RateBody): Promise<ShippingRate> {
  await assertZone(env, body.zoneId);
  checkRate(body);
  const { active, ...rest } = body;
  const row = { id: newId("srate"), ...rest, active: active === false ? 0 : 1 };
  const db = getDb(env.DB);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.rate.create", entityType: "shipping_rate", entityId: row.id, after: row },
    [db.insert(shippingRates).values(row)],
    changed,
  );
  const [saved] = await db.select().from(shippingRates).where(eq(shippingRates.id, row.id));
  return rateView(saved as RateRow);
}

/** Changes a shipping rate (audited); the result must still have a sane day range and band. */
export async function updateRate(env: Env, actor: AuditActor, id: string, patch: RatePatch): Promise<ShippingRate> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingRates).where(eq(shippingRates.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No shipping rate ${id}.`);
  await assertZone(env, patch.zoneId);
  const { active, ...rest } = patch;
  const set = { ...rest, ...(active === undefined ? {} : { active: active ? 1 : 0 }) };
  const after = { ...before, ...set };
  checkRate(after);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.rate.update", entityType: "shipping_rate", entityId: id, before, after },
    [db.update(shippingRates).set(set).where(eq(shippingRates.id, id))],
    changed,
  );
  return rateView(after);
}

/** Deletes a shipping rate (audited). */
export async function deleteRate(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingRates).where(eq(shippingRates.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No shipping rate ${id}.`);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.rate.delete", entityType: "shipping_rate", entityId: id, before },
    [db.delete(shippingRates).where(eq(shippingRates.id, id))],
    changed,
  );
}
