import { readCookie } from "../lib/cookies";
import type { DisplayCurrency } from "../lib/exchange";
import { CURRENCY_COOKIE, displayCurrency } from "./service";

/** The visitor's country as Cloudflare saw it: the `CF-IPCountry` header, else `request.cf.country`. */
export function requestCountry(request: Request): string | null {
  const header = request.headers.get("cf-ipcountry");
  const cf = (request as Request & { cf?: { country?: unknown } }).cf;
  const code = header ?? (typeof cf?.country === "string" ? cf.country : null);
  return code && /^[A-Z]{2}$/.test(code) && code !== "XX" && code !== "T1" ? code : null;
}

/**
 * The currency this request shows prices in: `explicit`, else the shopper's cookie, else the currency
 * of the country the request comes from, else the base currency (see `displayCurrency`).
 */
export function displayCurrencyFor(env: Env, request: Request, explicit?: string | null): Promise<DisplayCurrency> {
  return displayCurrency(env, { explicit, cookie: readCookie(request.headers.get("cookie"), CURRENCY_COOKIE), country: requestCountry(request) });
}
