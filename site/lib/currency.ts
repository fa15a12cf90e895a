import { env } from "cloudflare:workers";
import { type DisplayCurrency, displayCurrencyFor, listCurrencies } from "../../worker/currency";

const perRequest = new WeakMap<Request, Promise<DisplayCurrency>>();

/**
 * The currency this request shows prices in (cookie, else the visitor's
 * country, else the base currency), resolved once per request: every price
 * on a page shares it, and the rates come from the isolate's memory.
 */
export function displayFor(request: Request): Promise<DisplayCurrency> {
  let found = perRequest.get(request);
  if (!found) {
    found = displayCurrencyFor(env, request);
    perRequest.set(request, found);
  }
  return found;
}

/** The currencies a shopper may pick, by code. */
export async function displayCurrencies(): Promise<string[]> {
  return (await listCurrencies(env)).currencies.map((c) => c.code);
}
