import { z } from "@hono/zod-openapi";
import { MoneySchema } from "../lib/openapi";

const Country = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, "Use a two-letter ISO country code")
  .transform((s) => s.toUpperCase());
const CurrencyCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, "Use a three-letter ISO currency code")
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
    duties: z.object({ applies: z.boolean(), threshold: MoneySchema.nullable(), rateBp: z.number().int() }),
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

export const CurrencyListSchema = z
  .object({
    base: z.string(),
    selected: z.string(),
    currencies: z.array(z.object({ code: z.string(), rateMicros: z.number().int(), decimals: z.number().int() })),
  })
  .openapi("Currencies");

export const SelectCurrencyQuery = z
  .object({
    code: CurrencyCode,
    returnTo: z.string().max(500).optional().openapi({ description: "A path on this site to go back to (default /)." }),
  })
  .strict();
