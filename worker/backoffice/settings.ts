import { listExchangeRates } from "../currency";
import { listCountrySettings } from "../regions";
import { shippingSettings } from "../shipping";
import { allowedImageOrigins, storeSettings } from "../store";
import type { SettingsOverview } from "./settings-schema";

/**
 * Everything the settings pages and `GET /api/admin/settings` show: the store, image origins, exchange
 * rates, zones, countries (taxes, duties, address rules) and rates, each read from the domain that owns it.
 */
export async function settingsOverview(env: Env): Promise<SettingsOverview> {
  const [store, imageOrigins, exchangeRates, countries, shipping] = await Promise.all([
    storeSettings(env),
    allowedImageOrigins(env),
    listExchangeRates(env),
    listCountrySettings(env),
    shippingSettings(env),
  ]);
  return {
    store: { ...store, baseCurrencyEditable: false },
    imageOrigins,
    exchangeRates,
    zones: shipping.zones,
    countries,
    rates: shipping.rates,
  };
}
