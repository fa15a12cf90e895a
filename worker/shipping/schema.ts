import { z } from "@hono/zod-openapi";
import { CurrencyCode } from "../currency/schema";
import { MoneySchema } from "../lib/openapi";

const Country = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, "Use a two-letter ISO country code")
  .transform((s) => s.toUpperCase());

export const QuoteQuery = z
  .object({
    country: Country.optional().openapi({
      description: "Defaults to the signed-in shopper's default shipping address, else the country the request comes from.",
      example: "DE",
    }),
    postalCode: z.string().trim().max(20).optional().openapi({ example: "10115" }),
    region: z.string().trim().max(60).optional(),
    currency: CurrencyCode.optional().openapi({ description: "Display currency; defaults to the shopper's choice (cookie) or their country's." }),
  })
  .strict();

const TaxSchema = z.object({
  label: z.string(),
  rateBp: z.number().int().openapi({ description: "Basis points: 1900 = 19 %." }),
  inclusive: z.boolean().openapi({ description: "true: already inside the prices (VAT/GST); false: added on top." }),
  goods: MoneySchema,
  shipping: MoneySchema,
  total: MoneySchema,
});

export const OrderMoneySchema = z
  .object({
    subtotal: MoneySchema,
    discount: MoneySchema.openapi({ description: "Taken off the goods by promotions (tax and duties are on what is left)." }),
    shipping: MoneySchema,
    tax: TaxSchema,
    duties: MoneySchema,
    grandTotal: MoneySchema,
    displayTotal: MoneySchema,
  })
  .openapi("OrderMoney");

export const QuoteSchema = z
  .object({
    country: z.object({ code: z.string(), name: z.string(), zone: z.object({ id: z.string(), name: z.string() }) }),
    currency: z.string().openapi({ description: "The currency charged (the store's base currency)." }),
    display: z.object({ currency: z.string(), rateMicros: z.number().int(), decimals: z.number().int() }),
    subtotal: MoneySchema,
    weightGrams: z.number().int(),
    duties: z.object({ applies: z.boolean(), threshold: z.union([MoneySchema, z.null()]), rateBp: z.number().int() }),
    options: z.array(
      z.object({
        id: z.enum(["standard", "express"]),
        label: z.string(),
        price: MoneySchema,
        minDays: z.number().int(),
        maxDays: z.number().int(),
        estimatedDelivery: z.object({ from: z.string(), to: z.string() }),
        freeShipping: z.object({ threshold: MoneySchema, remaining: MoneySchema, qualified: z.boolean() }).nullable(),
        totals: OrderMoneySchema,
      }),
    ),
  })
  .openapi("ShippingQuote");

export const CountrySchema = z
  .object({
    code: z.string(),
    name: z.string(),
    ships: z.boolean(),
    zone: z.string().nullable(),
    currency: z.string(),
    postalLabel: z.string(),
    postalRequired: z.boolean(),
    postalPattern: z.string().nullable(),
    postalExample: z.string().nullable(),
    regionRequired: z.boolean(),
    regionLabel: z.string(),
    regions: z.array(z.string()).nullable(),
  })
  .openapi("ShippingCountry");
export type ShippingCountry = z.infer<typeof CountrySchema>;

const money = (label: string) => z.number().int(`${label}: whole minor units (cents)`).min(0, `${label} cannot be negative`).max(100_000_000);
const days = z.number().int().min(0).max(120);

export const ZoneBody = z
  .object({
    id: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, "Lowercase letters, digits and dashes (2–31)"),
    name: z.string().trim().min(2).max(60),
    position: z.number().int().min(0).max(1000).default(0),
  })
  .strict()
  .openapi("ZoneBody");
export const ZonePatch = ZoneBody.omit({ id: true }).partial().strict().openapi("ZonePatch");
export type ZoneBody = z.infer<typeof ZoneBody>;
export type ZonePatch = z.infer<typeof ZonePatch>;

const rateFields = {
  zoneId: z.string().max(32),
  method: z.enum(["standard", "express"]),
  label: z.string().trim().min(2).max(60),
  basePrice: money("Base price"),
  perKgPrice: money("Per kg"),
  minSubtotal: money("From subtotal"),
  maxSubtotal: money("Up to subtotal").nullable(),
  freeOver: money("Free over").nullable(),
  minDays: days,
  maxDays: days,
  active: z.boolean(),
};
export const RateBody = z
  .object(rateFields)
  .partial()
  .required({ zoneId: true, method: true, label: true, basePrice: true, minDays: true, maxDays: true })
  .strict()
  .openapi("ShippingRateBody");
export const RatePatch = z.object(rateFields).partial().strict().openapi("ShippingRatePatch");
export type RateBody = z.infer<typeof RateBody>;
export type RatePatch = z.infer<typeof RatePatch>;

/** A shipping zone: countries belong to at most one. */
export const ZoneSchema = z.object({ id: z.string(), name: z.string(), position: z.number().int() }).openapi("ShippingZone");

/** A shipping method's price in a zone (base currency, minor units). */
export const ShippingRateSchema = z
  .object({
    id: z.string(),
    zoneId: z.string(),
    method: z.enum(["standard", "express"]),
    label: z.string(),
    basePrice: z.number().int(),
    perKgPrice: z.number().int(),
    minSubtotal: z.number().int(),
    maxSubtotal: z.number().int().nullable(),
    freeOver: z.number().int().nullable(),
    minDays: z.number().int(),
    maxDays: z.number().int(),
    active: z.boolean(),
  })
  .openapi("ShippingRate");
export type ShippingRate = z.infer<typeof ShippingRateSchema>;
