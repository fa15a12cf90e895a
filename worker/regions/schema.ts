import { z } from "@hono/zod-openapi";

const code2 = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, "Use a two-letter ISO country code")
  .transform((s) => s.toUpperCase());
const code3 = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, "Use a three-letter ISO currency code")
  .transform((s) => s.toUpperCase());
const money = (label: string) => z.number().int(`${label}: whole minor units (cents)`).min(0, `${label} cannot be negative`).max(100_000_000);
const bp = z.number().int("Basis points: a whole number (1900 = 19 %)").min(0).max(10_000, "At most 10000 (100 %)");
const flag = z.boolean();

const countryFields = {
  name: z.string().trim().min(2).max(80),
  zoneId: z.string().max(32).nullable(),
  ships: flag,
  currency: code3,
  postalPattern: z.string().max(200).nullable(),
  postalExample: z.string().max(20).nullable(),
  regionRequired: flag,
  regionLabel: z.string().trim().min(2).max(40),
  taxRateBp: bp,
  taxLabel: z.string().trim().min(1).max(40),
  taxInclusive: flag,
  taxShipping: flag,
  dutyThreshold: money("Duty threshold").nullable(),
  dutyRateBp: bp,
};
/** The order fields are checked in, so the first problem named is the first field of the form. */
export const COUNTRY_FIELD_ORDER = ["code", ...Object.keys(countryFields)];

export const CountryBody = z
  .object({ code: code2, ...countryFields })
  .partial()
  .required({ code: true, name: true, currency: true })
  .strict()
  .openapi("CountryBody");
export const CountryPatch = z.object(countryFields).partial().strict().openapi("CountryPatch");
export type CountryBody = z.infer<typeof CountryBody>;
export type CountryPatch = z.infer<typeof CountryPatch>;

/** A country as staff see and edit it: zone, shipping, address rules, tax and duties. */
export const CountrySettingsSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    zoneId: z.string().nullable(),
    ships: z.boolean(),
    currency: z.string(),
    postalPattern: z.string().nullable(),
    postalExample: z.string().nullable(),
    regionRequired: z.boolean(),
    regionLabel: z.string(),
    taxRateBp: z.number().int(),
    taxLabel: z.string(),
    taxInclusive: z.boolean(),
    taxShipping: z.boolean(),
    dutyThreshold: z.number().int().nullable().openapi({ description: "Goods value (base currency, minor units) above which duties apply." }),
    dutyRateBp: z.number().int(),
  })
  .openapi("CountrySettings");
export type CountrySettings = z.infer<typeof CountrySettingsSchema>;
