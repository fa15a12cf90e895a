import { eq } from "drizzle-orm";
import { getDb } from "../db/client";
import type { AuditActor } from "../lib/audit";
import { onCacheVersionChange } from "../lib/cache-version";
import { AppError } from "../lib/errors";
import { MemoCache } from "../lib/memo-cache";
import { commitSettingsChange } from "../lib/settings-write";
import { countryRows, registerCountryCheck } from "../regions";
import { type DisplayCurrency, identityCurrency } from "../lib/exchange";
import type { ExchangeRate, ExchangeRateBody } from "./schema";
import { exchangeRates } from "./tables";

/** The shopper's chosen display currency (not a secret, not personal: readable by pages and scripts). */
export const CURRENCY_COOKIE = "nw_currency";
const TTL_MS = 60_000;
const cache = new MemoCache(16);

export interface CurrencyTable {
  base: DisplayCurrency;
  rates: Map<string, DisplayCurrency>;
  /** ISO country → the currency suggested to shoppers there (only when it has a rate). */
  countryCurrency: Map<string, string>;
}

/** Exchange rates and each country's suggested currency, from this isolate's memory (60 s, purged on admin writes). */
export function currencyTable(env: Env): Promise<CurrencyTable> {
  return cache.get("table", TTL_MS, async () => {
    const [rateRows, countries] = await Promise.all([getDb(env.DB).select().from(exchangeRates), countryRows(env)]);
    const rates = new Map(rateRows.map((r) => [r.code, { code: r.code, rateMicros: r.rateMicros, decimals: r.decimals }]));
    const baseCode = env.BASE_CURRENCY;
    const base = rates.get(baseCode) ?? identityCurrency(baseCode);
    rates.set(baseCode, { ...base, rateMicros: 1_000_000 });
    const countryCurrency = new Map([...countries.values()].filter((c) => rates.has(c.currency)).map((c) => [c.code, c.currency]));
    return { base: rates.get(baseCode) as DisplayCurrency, rates, countryCurrency };
  });
}

/** Forgets the rates held in this isolate (after an admin edits them or a country's currency). */
export function purgeCurrencyCache(): void {
  cache.purge();
}
// Another isolate's write (a rate, or a country's currency) moves the cache version: this copy goes with it.
onCacheVersionChange(purgeCurrencyCache);

// A country's suggested currency must be one prices can be shown in.
registerCountryCheck(async (env, fields) => {
  if (!fields.currency || fields.currency === env.BASE_CURRENCY) return [];
  const [rate] = await getDb(env.DB).select({ code: exchangeRates.code }).from(exchangeRates).where(eq(exchangeRates.code, fields.currency));
  return rate ? [] : [{ path: "currency", message: `Add an exchange rate for ${fields.currency} first` }];
});

/**
 * The currency prices are shown in: `explicit` (a query parameter) or the shopper's `cookie` when it
 * names a currency with a rate, else the currency of the `country` the request comes from, else the
 * base currency. Charges are always in the base currency.
 */
export async function displayCurrency(
  env: Env,
  choice: { explicit?: string | null; cookie?: string | null; country?: string | null },
): Promise<DisplayCurrency> {
  const table = await currencyTable(env);
  const wanted = choice.explicit?.toUpperCase() || choice.cookie?.toUpperCase();
  if (wanted && table.rates.has(wanted)) return table.rates.get(wanted) as DisplayCurrency;
  const code = choice.country ? table.countryCurrency.get(choice.country) : undefined;
  return (code && table.rates.get(code)) || table.base;
}

/** The display currencies with their rates, by code, and the base currency. */
export async function listCurrencies(env: Env): Promise<{ base: string; currencies: DisplayCurrency[] }> {
  const table = await currencyTable(env);
  return { base: table.base.code, currencies: [...table.rates.values()].sort((a, b) => a.code.localeCompare(b.code)) };
}

/** A display currency a shopper may choose, or 400 `currency.unknown` naming `code`. */
export async function choosableCurrency(env: Env, code: string): Promise<string> {
  if (!(await currencyTable(env)).rates.has(code))
    throw new AppError("currency.unknown", 400, `Prices cannot be shown in ${code}.`, [{ path: "code", message: "Unknown currency" }]);
  return code;
}

/** The exchange rates as stored (staff view), by code. */
export async function listExchangeRates(env: Env): Promise<ExchangeRate[]> {
  return getDb(env.DB).select().from(exchangeRates).orderBy(exchangeRates.code);
}

const field = (path: string, message: string, status: 400 | 409, code: string) => new AppError(code, status, message, [{ path, message }]);
const changed = { forget: purgeCurrencyCache, pagesChange: true };

/** Adds or changes a display currency's rate (audited); the base currency's rate is always 1 (409). */
export async function putExchangeRate(env: Env, actor: AuditActor, code: string, body: ExchangeRateBody): Promise<ExchangeRate> {
  if (code === env.BASE_CURRENCY) throw field("code", `${code} is the base currency: its rate is always 1.`, 409, "settings.base_currency_rate");
  const db = getDb(env.DB);
  const [before] = await db.select().from(exchangeRates).where(eq(exchangeRates.code, code));
  const after = { code, rateMicros: body.rateMicros, decimals: body.decimals, updatedBy: actor.actorId, updatedAt: new Date().toISOString() };
  await commitSettingsChange(
    env,
    actor,
    { action: before ? "settings.exchange_rate.update" : "settings.exchange_rate.create", entityType: "exchange_rate", entityId: code, before, after },
    [db.insert(exchangeRates).values(after).onConflictDoUpdate({ target: exchangeRates.code, set: after })],
    changed,
  );
  return after;
}

/** Removes a display currency (audited); 404 when it has no rate, 409 for the base currency. */
export async function deleteExchangeRate(env: Env, actor: AuditActor, code: string): Promise<void> {
  if (code === env.BASE_CURRENCY) throw field("code", `${code} is the base currency and cannot be removed.`, 409, "settings.base_currency_rate");
  const db = getDb(env.DB);
  const [before] = await db.select().from(exchangeRates).where(eq(exchangeRates.code, code));
  if (!before) throw new AppError("settings.not_found", 404, `No exchange rate for ${code}.`);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.exchange_rate.delete", entityType: "exchange_rate", entityId: code, before },
    [db.delete(exchangeRates).where(eq(exchangeRates.code, code))],
    changed,
  );
}
