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
const days = z.number().int().min(0).max(120);
const flag = z.boolean();

export const StoreSettingsBody = z
  .object({
    storeName: z.string().trim().min(2, "At least 2 characters").max(80),
    baseCurrency: code3
      .optional()
      .openapi({ description: "Read-only: only the current base currency is accepted (changing it would need every price repriced)." }),
  })
  .strict()
  .openapi("StoreSettingsBody");

/** Who hears about new orders: on by default, to every active admin unless a staff address is set. */
export const NotificationSettingsBody = z
  .object({
    staffOrderEmails: z.boolean().optional().openapi({ description: "Email staff once per paid order (default true)." }),
    staffOrderEmailTo: z
      .email("Enter an email address, or leave it empty to email every admin")
      .max(254)
      .nullable()
      .optional()
      .openapi({ description: "One address (e.g. orders@shop.example) instead of every active admin; null for the admins." }),
  })
  .strict()
  .openapi("NotificationSettingsBody");

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
export const CountryBody = z
  .object({ code: code2, ...countryFields })
  .partial()
  .required({ code: true, name: true, currency: true })
  .strict()
  .openapi("CountryBody");
export const CountryPatch = z.object(countryFields).partial().strict().openapi("CountryPatch");

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
  active: flag,
};
export const RateBody = z
  .object(rateFields)
  .partial()
  .required({ zoneId: true, method: true, label: true, basePrice: true, minDays: true, maxDays: true })
  .strict()
  .openapi("ShippingRateBody");
export const RatePatch = z.object(rateFields).partial().strict().openapi("ShippingRatePatch");

export type StoreSettingsBody = z.infer<typeof StoreSettingsBody>;
export type ExchangeRateBody = z.infer<typeof ExchangeRateBody>;
export type NotificationSettingsBody = z.infer<typeof NotificationSettingsBody>;
export type ZoneBody = z.infer<typeof ZoneBody>;
export type ZonePatch = z.infer<typeof ZonePatch>;
export type CountryBody = z.infer<typeof CountryBody>;
export type CountryPatch = z.infer<typeof CountryPatch>;
export type RateBody = z.infer<typeof RateBody>;
export type RatePatch = z.infer<typeof RatePatch>;

/**
 * One origin a product picture may come from: `https://host[:port]`, nothing
 * more (no path, query, user, or wildcard), so it can go into the page's CSP
 * `img-src` as it is. Plain `http://localhost` and `http://127.0.0.1` are
 * accepted outside production only (local test servers); `updateImageOrigins`
 * checks that part with the environment in hand.
 */
export const ImageOrigin = z
  .string()
  .trim()
  .max(200)
  .transform((s, ctx) => {
    const problem = originSyntaxProblem(s);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    return new URL(s).origin;
  });

function originSyntaxProblem(s: string): string | null {
  if (s.includes("*")) return "Wildcards are not allowed: list each origin";
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return "Write an origin like https://cdn.example.com";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Use an https:// origin";
  if (url.username || url.password) return "An origin has no user name or password";
  if (!/^https?:\/\/[^/?#]+\/?$/i.test(s) || url.search || url.hash) return "Only the origin (https://host), no path, query or #";
  if (!/^[a-z0-9.-]+$/.test(url.hostname) || url.hostname.startsWith(".") || (!url.hostname.includes(".") && url.hostname !== "localhost"))
    return "Write an origin like https://cdn.example.com";
  return null;
}

export const ImageOriginsBody = z
  .object({
    origins: z
      .array(ImageOrigin)
      .max(20, "At most 20 origins")
      .openapi({ description: "Origins (`https://cdn.example.com`) product pictures may be loaded from; the page CSP `img-src` lists exactly these." }),
  })
  .strict()
  .openapi("ImageOriginsBody");
export type ImageOriginsBody = z.infer<typeof ImageOriginsBody>;
