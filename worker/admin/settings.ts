import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { getDb } from "../db/client";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { MemoCache } from "../lib/memo-cache";
import { bumpCacheVersion, onCacheVersionChange } from "../lib/cache-version";
import { purgeResponseCache } from "../lib/response-cache";
import { countries, exchangeRates, shippingRates, shippingZones } from "../shipping/tables";
import { purgeShippingCache } from "../shipping/service";
import { type AuditActor, type AuditEntry, auditStatement } from "../lib/audit";
import type {
  CountryBody,
  CountryPatch,
  ExchangeRateBody,
  ImageOriginsBody,
  NotificationSettingsBody,
  RateBody,
  RatePatch,
  StoreSettingsBody,
  ZoneBody,
  ZonePatch,
} from "./settings-schema";
import { storeSettings as storeSettingsTable } from "./tables";

export interface StoreSettings {
  storeName: string;
  baseCurrency: string;
  /** Staff get one email per paid order (on unless an admin turned it off). */
  staffOrderEmails: boolean;
  /** Where those go: one address, or null for every active admin. */
  staffOrderEmailTo: string | null;
}

const cache = new MemoCache(4);

/** Store name and base currency (D1 `store_settings`, falling back to the Worker's vars), memoised 60 s per isolate. */
export function storeSettings(env: Env): Promise<StoreSettings> {
  return cache.get("store", 60_000, async () => {
    const rows = await getDb(env.DB).select().from(storeSettingsTable);
    const value = <T = string>(key: string) => {
      const row = rows.find((r) => r.key === key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    };
    // The base currency is the Worker's: prices are stored in it, so D1 can only mirror it.
    return {
      storeName: value("store_name") ?? env.STORE_NAME,
      baseCurrency: env.BASE_CURRENCY,
      staffOrderEmails: value<boolean>("staff_order_emails") ?? true,
      staffOrderEmailTo: value<string | null>("staff_order_email_to") ?? null,
    };
  });
}

/** Everything the settings pages and `GET /api/admin/settings` show. */
export async function settingsOverview(env: Env) {
  const db = getDb(env.DB);
  const [zones, countryRows, rates, fx] = await db.batch([
    db.select().from(shippingZones).orderBy(shippingZones.position, shippingZones.name),
    db.select().from(countries).orderBy(countries.name),
    db.select().from(shippingRates).orderBy(shippingRates.zoneId, shippingRates.method, shippingRates.minSubtotal),
    db.select().from(exchangeRates).orderBy(exchangeRates.code),
  ]);
  const store = await storeSettings(env);
  return {
    store: { ...store, baseCurrencyEditable: false },
    imageOrigins: await allowedImageOrigins(env),
    exchangeRates: fx,
    zones,
    countries: countryRows.map(countryView),
    rates: rates.map(rateView),
  };
}

type CountryRow = typeof countries.$inferSelect;
type RateRow = typeof shippingRates.$inferSelect;
const bool = (n: number) => n === 1;
const int = (b: boolean | undefined) => (b === undefined ? undefined : b ? 1 : 0);

export function countryView(r: CountryRow) {
  return { ...r, ships: bool(r.ships), regionRequired: bool(r.regionRequired), taxInclusive: bool(r.taxInclusive), taxShipping: bool(r.taxShipping) };
}
export function rateView(r: RateRow) {
  return { ...r, active: bool(r.active) };
}

/** Runs one write and its audit row in one batch, then forgets every cached copy of settings in this isolate. */
async function writeAudited(env: Env, actor: AuditActor, entry: AuditEntry, write: BatchItem<"sqlite">): Promise<void> {
  const db = getDb(env.DB);
  await db.batch([write, auditStatement(env.DB, actor, entry)]);
  purgeSettingsCaches();
  // Pages show prices in display currencies and the free-shipping line: every cached copy is old now.
  await bumpCacheVersion(env.DB);
}

/** Purges settings, zones, countries, rates, exchange rates and rendered pages held in this isolate. */
export function purgeSettingsCaches(): void {
  cache.purge();
  imageOriginsCache = null;
  purgeShippingCache();
  purgeResponseCache();
}
onCacheVersionChange(purgeSettingsCaches);

const field = (path: string, message: string, status: 400 | 409 = 400, code = "settings.invalid") => new AppError(code, status, message, [{ path, message }]);

export async function updateStoreSettings(env: Env, actor: AuditActor, body: StoreSettingsBody): Promise<Pick<StoreSettings, "storeName" | "baseCurrency">> {
  const before = await storeSettings(env);
  if (body.baseCurrency && body.baseCurrency !== before.baseCurrency) {
    throw field(
      "baseCurrency",
      `The base currency stays ${before.baseCurrency}: every price is stored in it, so changing it needs a repricing migration.`,
      409,
      "settings.base_currency_locked",
    );
  }
  const value = JSON.stringify(body.storeName);
  await writeAudited(
    env,
    actor,
    { action: "settings.store", entityType: "store_settings", entityId: "store_name", before: before.storeName, after: body.storeName },
    getDb(env.DB)
      .insert(storeSettingsTable)
      .values({ key: "store_name", value, updatedBy: actor.actorId })
      .onConflictDoUpdate({ target: storeSettingsTable.key, set: { value, updatedBy: actor.actorId, updatedAt: new Date().toISOString() } }),
  );
  return { storeName: body.storeName, baseCurrency: before.baseCurrency };
}

/** Turns the staff new-order email on or off and sets where it goes (one audited batch). */
export async function updateNotificationSettings(env: Env, actor: AuditActor, body: NotificationSettingsBody): Promise<StoreSettings> {
  const before = await storeSettings(env);
  const after = {
    staffOrderEmails: body.staffOrderEmails ?? before.staffOrderEmails,
    staffOrderEmailTo: body.staffOrderEmailTo === undefined ? before.staffOrderEmailTo : (body.staffOrderEmailTo?.toLowerCase() ?? null),
  };
  const db = getDb(env.DB);
  const put = (key: string, v: unknown) =>
    db
      .insert(storeSettingsTable)
      .values({ key, value: JSON.stringify(v), updatedBy: actor.actorId })
      .onConflictDoUpdate({ target: storeSettingsTable.key, set: { value: JSON.stringify(v), updatedBy: actor.actorId, updatedAt: new Date().toISOString() } });
  await db.batch([
    put("staff_order_emails", after.staffOrderEmails),
    put("staff_order_email_to", after.staffOrderEmailTo),
    auditStatement(env.DB, actor, {
      action: "settings.notifications",
      entityType: "store_settings",
      entityId: "notifications",
      before: { staffOrderEmails: before.staffOrderEmails, staffOrderEmailTo: before.staffOrderEmailTo },
      after,
    }),
  ]);
  purgeSettingsCaches();
  return { ...before, ...after };
}

export async function putExchangeRate(env: Env, actor: AuditActor, code: string, body: ExchangeRateBody) {
  if (code === env.BASE_CURRENCY) throw field("code", `${code} is the base currency: its rate is always 1.`, 409, "settings.base_currency_rate");
  const db = getDb(env.DB);
  const [before] = await db.select().from(exchangeRates).where(eq(exchangeRates.code, code));
  const after = { code, rateMicros: body.rateMicros, decimals: body.decimals, updatedBy: actor.actorId, updatedAt: new Date().toISOString() };
  await writeAudited(
    env,
    actor,
    { action: before ? "settings.exchange_rate.update" : "settings.exchange_rate.create", entityType: "exchange_rate", entityId: code, before, after },
    db.insert(exchangeRates).values(after).onConflictDoUpdate({ target: exchangeRates.code, set: after }),
  );
  return after;
}

export async function deleteExchangeRate(env: Env, actor: AuditActor, code: string): Promise<void> {
  if (code === env.BASE_CURRENCY) throw field("code", `${code} is the base currency and cannot be removed.`, 409, "settings.base_currency_rate");
  const db = getDb(env.DB);
  const [before] = await db.select().from(exchangeRates).where(eq(exchangeRates.code, code));
  if (!before) throw new AppError("settings.not_found", 404, `No exchange rate for ${code}.`);
  await writeAudited(
    env,
    actor,
    { action: "settings.exchange_rate.delete", entityType: "exchange_rate", entityId: code, before },
    db.delete(exchangeRates).where(eq(exchangeRates.code, code)),
  );
}

async function assertZone(env: Env, zoneId: string | null | undefined, path = "zoneId") {
  if (!zoneId) return;
  const [zone] = await getDb(env.DB).select({ id: shippingZones.id }).from(shippingZones).where(eq(shippingZones.id, zoneId));
  if (!zone) throw field(path, `No zone "${zoneId}"`);
}

export async function createZone(env: Env, actor: AuditActor, body: ZoneBody) {
  const db = getDb(env.DB);
  const [existing] = await db.select().from(shippingZones).where(eq(shippingZones.id, body.id));
  if (existing) throw field("id", `A zone "${body.id}" exists already`, 409, "settings.duplicate");
  await writeAudited(
    env,
    actor,
    { action: "settings.zone.create", entityType: "shipping_zone", entityId: body.id, after: body },
    db.insert(shippingZones).values(body),
  );
  return body;
}

export async function updateZone(env: Env, actor: AuditActor, id: string, patch: ZonePatch) {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingZones).where(eq(shippingZones.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No zone "${id}".`);
  const after = { ...before, ...patch };
  await writeAudited(
    env,
    actor,
    { action: "settings.zone.update", entityType: "shipping_zone", entityId: id, before, after },
    db.update(shippingZones).set(patch).where(eq(shippingZones.id, id)),
  );
  return after;
}

export async function deleteZone(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingZones).where(eq(shippingZones.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No zone "${id}".`);
  const members = await db.select({ code: countries.code }).from(countries).where(eq(countries.zoneId, id));
  if (members.length)
    throw field("id", `Move its ${members.length} countries to another zone first (${members.map((m) => m.code).join(", ")})`, 409, "settings.zone_in_use");
  // Its rates go with it (ON DELETE CASCADE).
  await writeAudited(
    env,
    actor,
    { action: "settings.zone.delete", entityType: "shipping_zone", entityId: id, before },
    db.delete(shippingZones).where(eq(shippingZones.id, id)),
  );
}

async function checkCountry(env: Env, c: Partial<CountryBody>, current?: CountryRow) {
  await assertZone(env, c.zoneId);
  const ships = c.ships ?? (current ? bool(current.ships) : true);
  const zoneId = c.zoneId === undefined ? current?.zoneId : c.zoneId;
  if (ships && !zoneId) throw field("zoneId", "Choose a zone for a country the store ships to");
  if (c.postalPattern) {
    try {
      new RegExp(c.postalPattern);
    } catch {
      throw field("postalPattern", "Not a valid regular expression");
    }
  }
  if (c.currency) {
    const [rate] = await getDb(env.DB).select({ code: exchangeRates.code }).from(exchangeRates).where(eq(exchangeRates.code, c.currency));
    if (!rate && c.currency !== env.BASE_CURRENCY) throw field("currency", `Add an exchange rate for ${c.currency} first`);
  }
}

function countryColumns(c: Partial<CountryBody>) {
  const { ships, regionRequired, taxInclusive, taxShipping, ...rest } = c;
  const cols = { ...rest, ships: int(ships), regionRequired: int(regionRequired), taxInclusive: int(taxInclusive), taxShipping: int(taxShipping) };
  return Object.fromEntries(Object.entries(cols).filter(([, v]) => v !== undefined));
}

export async function createCountry(env: Env, actor: AuditActor, body: CountryBody) {
  const db = getDb(env.DB);
  const [existing] = await db.select().from(countries).where(eq(countries.code, body.code));
  if (existing) throw field("code", `${body.code} exists already`, 409, "settings.duplicate");
  await checkCountry(env, body);
  const values = countryColumns(body) as typeof countries.$inferInsert;
  await writeAudited(
    env,
    actor,
    { action: "settings.country.create", entityType: "country", entityId: body.code, after: body },
    db.insert(countries).values(values),
  );
  const [row] = await db.select().from(countries).where(eq(countries.code, body.code));
  return countryView(row as CountryRow);
}

/** Zone membership, whether the store ships there, the address form, tax rate and duties of one country. */
export async function updateCountry(env: Env, actor: AuditActor, code: string, patch: CountryPatch) {
  const db = getDb(env.DB);
  const [before] = await db.select().from(countries).where(eq(countries.code, code));
  if (!before) throw new AppError("settings.not_found", 404, `No country ${code}.`);
  await checkCountry(env, patch, before);
  const set = countryColumns(patch);
  const after = { ...before, ...set } as CountryRow;
  await writeAudited(
    env,
    actor,
    { action: "settings.country.update", entityType: "country", entityId: code, before: countryView(before), after: countryView(after) },
    db.update(countries).set(set).where(eq(countries.code, code)),
  );
  return countryView(after);
}

function checkRate(r: { minDays?: number; maxDays?: number; minSubtotal?: number; maxSubtotal?: number | null }) {
  if (r.minDays !== undefined && r.maxDays !== undefined && r.minDays > r.maxDays) throw field("maxDays", "At least the minimum days");
  if (r.maxSubtotal !== undefined && r.maxSubtotal !== null && r.maxSubtotal < (r.minSubtotal ?? 0)) throw field("maxSubtotal", "At least the lower bound");
}

export async function createRate(env: Env, actor: AuditActor, body: RateBody) {
  await assertZone(env, body.zoneId);
  checkRate(body);
  const { active, ...rest } = body;
  const row = { id: newId("srate"), ...rest, active: active === false ? 0 : 1 };
  await writeAudited(
    env,
    actor,
    { action: "settings.rate.create", entityType: "shipping_rate", entityId: row.id, after: row },
    getDb(env.DB).insert(shippingRates).values(row),
  );
  const [saved] = await getDb(env.DB).select().from(shippingRates).where(eq(shippingRates.id, row.id));
  return rateView(saved as RateRow);
}

export async function updateRate(env: Env, actor: AuditActor, id: string, patch: RatePatch) {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingRates).where(eq(shippingRates.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No shipping rate ${id}.`);
  await assertZone(env, patch.zoneId);
  const { active, ...rest } = patch;
  const set = { ...rest, ...(active === undefined ? {} : { active: active ? 1 : 0 }) };
  const after = { ...before, ...set };
  checkRate(after);
  await writeAudited(
    env,
    actor,
    { action: "settings.rate.update", entityType: "shipping_rate", entityId: id, before, after },
    db.update(shippingRates).set(set).where(eq(shippingRates.id, id)),
  );
  return rateView(after);
}

export async function deleteRate(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingRates).where(eq(shippingRates.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No shipping rate ${id}.`);
  await writeAudited(
    env,
    actor,
    { action: "settings.rate.delete", entityType: "shipping_rate", entityId: id, before },
    db.delete(shippingRates).where(eq(shippingRates.id, id)),
  );
}

const IMAGE_ORIGINS_KEY = "image_origins";
const IMAGE_ORIGINS_TTL_MS = 60_000;
/**
 * A plain value, never a promise: every page reads it for its CSP, and a request must not await a load
 * another request started. Concurrent misses each read D1 once (one small row).
 */
let imageOriginsCache: { value: string[]; expires: number } | null = null;

/**
 * The origins product pictures may be loaded from (Settings → Images), as
 * validated bare origins. Cached per isolate for 60 s; a save in this isolate
 * is seen at once.
 */
export async function allowedImageOrigins(env: Env): Promise<string[]> {
  const now = Date.now();
  if (imageOriginsCache && imageOriginsCache.expires > now) return imageOriginsCache.value;
  const row = await getDb(env.DB).select().from(storeSettingsTable).where(eq(storeSettingsTable.key, IMAGE_ORIGINS_KEY)).get();
  const parsed: unknown = row ? JSON.parse(row.value) : [];
  const value = Array.isArray(parsed) ? parsed.filter((o): o is string => typeof o === "string") : [];
  imageOriginsCache = { value, expires: now + IMAGE_ORIGINS_TTL_MS };
  return value;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1"]);

/** Why `origin` (already a bare origin) cannot be allowed in this environment, or null. */
function insecureOriginProblem(env: Env, origin: string): string | null {
  const url = new URL(origin);
  if (url.protocol === "https:") return null;
  if (env.ENVIRONMENT === "production") return "Use an https:// origin";
  if (!LOOPBACK.has(url.hostname)) return "Use an https:// origin (plain http only for localhost or 127.0.0.1 outside production)";
  return null;
}

/**
 * Replaces the list of allowed image origins (audited). Each must be a bare
 * https origin; duplicates are dropped. Pages' CSP `img-src` and the product
 * image checks use the new list at once in this isolate, within 60 s elsewhere.
 */
export async function updateImageOrigins(env: Env, actor: AuditActor, body: ImageOriginsBody): Promise<{ origins: string[] }> {
  body.origins.forEach((origin, i) => {
    const problem = insecureOriginProblem(env, origin);
    if (problem) throw field(`origins.${i}`, problem);
  });
  const origins = [...new Set(body.origins)];
  const before = await allowedImageOrigins(env);
  const value = JSON.stringify(origins);
  await writeAudited(
    env,
    actor,
    { action: "settings.image_origins", entityType: "store_settings", entityId: IMAGE_ORIGINS_KEY, before, after: origins },
    getDb(env.DB)
      .insert(storeSettingsTable)
      .values({ key: IMAGE_ORIGINS_KEY, value, updatedBy: actor.actorId })
      .onConflictDoUpdate({ target: storeSettingsTable.key, set: { value, updatedBy: actor.actorId, updatedAt: new Date().toISOString() } }),
  );
  return { origins };
}

/**
 * Why a product picture address cannot be used, or null: a path on this site
 * is always fine; an absolute address must come from an allowed image origin.
 */
export function imageUrlProblem(url: string, allowed: readonly string[]): string | null {
  if (url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/\\")) return null;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return "Use an https:// address or a path on this site";
  }
  if (allowed.includes(origin)) return null;
  return `${origin} is not an allowed image origin: add it under Settings → Images (allowed image origins) first`;
}
