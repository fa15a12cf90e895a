import { asc, eq } from "drizzle-orm";
import { getDb } from "../db/client";
import type { AuditActor } from "../lib/audit";
import { onCacheVersionChange } from "../lib/cache-version";
import { AppError, type FieldError } from "../lib/errors";
import { MemoCache } from "../lib/memo-cache";
import { commitSettingsChange } from "../lib/settings-write";
import { type AddressProblem, addressProblems, type CountryRule, effectiveRule } from "./address-rules";
import { COUNTRY_FIELD_ORDER, type CountryBody, type CountryPatch, type CountrySettings } from "./schema";
import { countries } from "./tables";

export type CountryRow = typeof countries.$inferSelect;

const TTL_MS = 60_000;
const cache = new MemoCache(4);

/** Forgets the countries held in this isolate. */
export function purgeRegionsCache(): void {
  cache.purge();
}
// Another isolate's write moves the cache version: this isolate's copy goes with it.
onCacheVersionChange(purgeRegionsCache);

/** Every country the store knows, by code, from this isolate's memory (60 s; purged by every country write). */
export function countryRows(env: Env): Promise<Map<string, CountryRow>> {
  return cache.get("countries", TTL_MS, async () => {
    const rows = await getDb(env.DB).select().from(countries).orderBy(asc(countries.name));
    return new Map(rows.map((r) => [r.code, r]));
  });
}

/** The address rules in force for a country: the built-in rule with what admins keep in D1 laid over it. */
export async function addressRuleFor(env: Env, code: string): Promise<CountryRule> {
  const upper = code.toUpperCase();
  return effectiveRule(upper, (await countryRows(env)).get(upper));
}

/**
 * Field problems of an address under its country's rules in force (the ones checkout applies too):
 * `[{ path, message }]`, empty when the address is complete for its country.
 */
export async function addressProblemsFor(
  env: Env,
  address: { country: string; region?: string | null; postalCode?: string | null },
): Promise<AddressProblem[]> {
  return addressProblems(address, (await countryRows(env)).get(address.country.toUpperCase()));
}

/** The codes of the countries in a zone, read from D1 (not the cached copy), so a move a moment ago counts. */
export async function countriesInZone(env: Env, zoneId: string): Promise<{ code: string }[]> {
  return getDb(env.DB).select({ code: countries.code }).from(countries).where(eq(countries.zoneId, zoneId));
}

const bool = (n: number) => n === 1;
const int = (b: boolean | undefined) => (b === undefined ? undefined : b ? 1 : 0);

/** A country row as staff see it (flags as booleans). */
export function countryView(r: CountryRow): CountrySettings {
  return { ...r, ships: bool(r.ships), regionRequired: bool(r.regionRequired), taxInclusive: bool(r.taxInclusive), taxShipping: bool(r.taxShipping) };
}

/** Every country as staff see it, by name, read from D1 (staff see their own writes at once). */
export async function listCountrySettings(env: Env): Promise<CountrySettings[]> {
  return (await getDb(env.DB).select().from(countries).orderBy(asc(countries.name))).map(countryView);
}

/**
 * A rule a later domain adds to country writes: shipping knows its zones, currency its exchange rates.
 * Regions come first in the layer order and cannot ask them, so they register here when loaded.
 */
export type CountryCheck = (env: Env, fields: Partial<CountryBody>) => Promise<FieldError[]>;
const checks: CountryCheck[] = [];
export function registerCountryCheck(check: CountryCheck): void {
  checks.push(check);
}

async function checkCountry(env: Env, c: Partial<CountryBody>, current?: CountryRow): Promise<void> {
  const errors: FieldError[] = [];
  const ships = c.ships ?? (current ? bool(current.ships) : true);
  const zoneId = c.zoneId === undefined ? current?.zoneId : c.zoneId;
  if (ships && !zoneId) errors.push({ path: "zoneId", message: "Choose a zone for a country the store ships to" });
  if (c.postalPattern) {
    try {
      new RegExp(c.postalPattern);
    } catch {
      errors.push({ path: "postalPattern", message: "Not a valid regular expression" });
    }
  }
  for (const check of checks) errors.push(...(await check(env, c)));
  if (!errors.length) return;
  const rank = (path: string) => COUNTRY_FIELD_ORDER.indexOf(path.split(".")[0] as string);
  errors.sort((a, b) => rank(a.path) - rank(b.path));
  throw new AppError("settings.invalid", 400, errors[0]?.message ?? "Invalid country", errors);
}

function countryColumns(c: Partial<CountryBody>) {
  const { ships, regionRequired, taxInclusive, taxShipping, ...rest } = c;
  const cols = { ...rest, ships: int(ships), regionRequired: int(regionRequired), taxInclusive: int(taxInclusive), taxShipping: int(taxShipping) };
  return Object.fromEntries(Object.entries(cols).filter(([, v]) => v !== undefined));
}

/** Adds a country (audited); 409 `settings.duplicate` when its code exists. */
export async function createCountry(env: Env, actor: AuditActor, body: CountryBody): Promise<CountrySettings> {
  const db = getDb(env.DB);
  const [existing] = await db.select().from(countries).where(eq(countries.code, body.code));
  if (existing) throw new AppError("settings.duplicate", 409, `${body.code} exists already`, [{ path: "code", message: `${body.code} exists already` }]);
  await checkCountry(env, body);
  const values = countryColumns(body) as typeof countries.$inferInsert;
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.country.create", entityType: "country", entityId: body.code, after: body },
    [db.insert(countries).values(values)],
    { forget: purgeRegionsCache, pagesChange: true },
  );
  const [row] = await db.select().from(countries).where(eq(countries.code, body.code));
  return countryView(row as CountryRow);
}

/** Zone membership, whether the store ships there, the address form, tax rate and duties of one country (audited). */
export async function updateCountry(env: Env, actor: AuditActor, code: string, patch: CountryPatch): Promise<CountrySettings> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(countries).where(eq(countries.code, code));
  if (!before) throw new AppError("settings.not_found", 404, `No country ${code}.`);
  await checkCountry(env, patch, before);
  const set = countryColumns(patch);
  const after = { ...before, ...set } as CountryRow;
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.country.update", entityType: "country", entityId: code, before: countryView(before), after: countryView(after) },
    [db.update(countries).set(set).where(eq(countries.code, code))],
    { forget: purgeRegionsCache, pagesChange: true },
  );
  return countryView(after);
}
