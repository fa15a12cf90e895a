// The currency domain's public surface: exchange rates and the shopper's display currency.
export { convertAmount, type DisplayCurrency, identityCurrency } from "../lib/exchange";
export { displayCurrencyFor, requestCountry } from "./http";
export {
  CURRENCY_COOKIE,
  type CurrencyTable,
  currencyTable,
  deleteExchangeRate,
  displayCurrency,
  listCurrencies,
  listExchangeRates,
  purgeCurrencyCache,
  putExchangeRate,
} from "./service";
export type { ExchangeRate } from "./schema";
