import { getDb } from "../db/client";
import { readCookie } from "../lib/cookies";
import { MemoCache } from "../lib/memo-cache";
import { countries, exchangeRates } from "../shipping/tables";
import { type DisplayCurrency, identityCurrency } from "./convert";

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
    const db = getDb(env.DB);
    const [rateRows, countryRows] = await db.batch([
      db.select().from(exchangeRates),
      db.select({ code: countries.code, currency: countries.currency }).from(countries),
    ]);
    const rates = new Map(rateRows.map((r) => [r.code, { code: r.code, rateMicros: r.rateMicros, decimals: r.decimals }]));
    const baseCode = env.BASE_CURRENCY;
    const base = rates.get(baseCode) ?? identityCurrency(baseCode);
    rates.set(baseCode, { ...base, rateMicros: 1_000_000 });
    const countryCurrency = new Map(countryRows.filter((c) => rates.has(c.currency)).map((c) => [c.code, c.currency]));
    return { base: rates.get(baseCode) as DisplayCurrency, rates, countryCurrency };
  });
}

/** Forgets the rates (after an admin edits them). */
export function purgeCurrencyCache(): void {
  cache.purge();
}

/** The visitor's country as Cloudflare saw it: the `CF-IPCountry` header, else `request.cf.country`. */
export function requestCountry(request: Request): string | null {
  const header = request.headers.get("cf-ipcountry");
  const cf = (request as Request & { cf?: { country?: unknown } }).cf;
  const code = header ?? (typeof cf?.country === "string" ? cf.country : null);
  return code && /^[A-Z]{2}$/.test(code) && code !== "XX" && code !== "T1" ? code : null;
}

/**
 * The currency prices are shown in for this request: the shopper's cookie
 * when it names a currency with a rate, else the currency of the country the
 * request comes from, else the base currency. Charges are always in the base currency.
 */
export async function displayCurrencyFor(env: Env, request: Request, explicit?: string | null): Promise<DisplayCurrency> {
  const table = await currencyTable(env);
  const wanted = explicit?.toUpperCase() || readCookie(request.headers.get("cookie"), CURRENCY_COOKIE)?.toUpperCase();
  if (wanted && table.rates.has(wanted)) return table.rates.get(wanted) as DisplayCurrency;
  const country = requestCountry(request);
  const code = country ? table.countryCurrency.get(country) : undefined;
  return (code && table.rates.get(code)) || table.base;
}
