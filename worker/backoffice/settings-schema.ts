import { z } from "@hono/zod-openapi";
import { ExchangeRateSchema } from "../currency/schema";
import { CountrySettingsSchema } from "../regions/schema";
import { ShippingRateSchema, ZoneSchema } from "../shipping/schema";
import { StoreNotificationSettingsSchema } from "../store/schema";

/** Everything the settings pages show, from the domains that own each part. */
export const SettingsOverviewSchema = z
  .object({
    store: StoreNotificationSettingsSchema.extend({ baseCurrencyEditable: z.literal(false) }),
    imageOrigins: z.array(z.string()),
    exchangeRates: z.array(ExchangeRateSchema),
    zones: z.array(ZoneSchema),
    countries: z.array(CountrySettingsSchema),
    rates: z.array(ShippingRateSchema),
  })
  .openapi("SettingsOverview");
export type SettingsOverview = z.infer<typeof SettingsOverviewSchema>;
