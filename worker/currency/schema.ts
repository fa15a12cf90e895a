import { z } from "@hono/zod-openapi";

export const CurrencyCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, "Use a three-letter ISO currency code")
  .transform((s) => s.toUpperCase());

export const ExchangeRateBody = z
  .object({
    rateMicros: z
      .number()
      .int("Units of the currency per base unit ×1,000,000, a whole number")
      .positive("Must be above 0")
      .max(100_000_000_000)
      .openapi({ example: 920000 }),
    decimals: z.number().int().min(0).max(3).default(2),
  })
  .strict()
  .openapi("ExchangeRateBody");
export type ExchangeRateBody = z.infer<typeof ExchangeRateBody>;

/** A display currency's stored rate, as staff see it. */
export const ExchangeRateSchema = z
  .object({
    code: z.string(),
    rateMicros: z.number().int().openapi({ description: "Units of the currency per base unit ×1,000,000." }),
    decimals: z.number().int(),
    updatedAt: z.string(),
    updatedBy: z.string().nullable(),
  })
  .openapi("ExchangeRate");
export type ExchangeRate = z.infer<typeof ExchangeRateSchema>;

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
