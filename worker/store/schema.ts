import { z } from "@hono/zod-openapi";

const code3 = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, "Use a three-letter ISO currency code")
  .transform((s) => s.toUpperCase());

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

export type StoreSettingsBody = z.infer<typeof StoreSettingsBody>;
export type NotificationSettingsBody = z.infer<typeof NotificationSettingsBody>;

/** The store's name and the currency every price is stored in. */
export const StoreSettingsSchema = z
  .object({
    storeName: z.string(),
    baseCurrency: z.string().openapi({ description: "ISO 4217; read-only (prices are stored in it)." }),
  })
  .openapi("StoreSettings");
export type StoreSettingsSchema = z.infer<typeof StoreSettingsSchema>;

/** Store settings with the staff new-order email switches. */
export const StoreNotificationSettingsSchema = StoreSettingsSchema.extend({
  staffOrderEmails: z.boolean().openapi({ description: "Staff get one email per paid order." }),
  staffOrderEmailTo: z.string().nullable().openapi({ description: "Where those go: one address, or null for every active admin." }),
}).openapi("StoreNotificationSettings");
export type StoreSettings = z.infer<typeof StoreNotificationSettingsSchema>;

export const ImageOriginsSchema = z.object({ origins: z.array(z.string()) }).openapi("ImageOrigins");
export type ImageOriginsSchema = z.infer<typeof ImageOriginsSchema>;

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

/** How hard staff accounts are held: second factor required, and when staff must prove it again. */
export const SecuritySettingsSchema = z
  .object({
    staffSecondFactorRequired: z.boolean().openapi({ description: "Admin, support and vendor accounts must sign in with a second factor (default true)." }),
    reauthMinutes: z.int().openapi({ description: "How recent a second factor must be before sensitive staff changes (default 10)." }),
    reauthRefundAbove: z
      .int()
      .openapi({ description: "Refunds above this amount (minor units of the base currency) need a fresh second factor (default 10000)." }),
  })
  .openapi("SecuritySettings");
export type SecuritySettings = z.infer<typeof SecuritySettingsSchema>;

export const SecuritySettingsBody = z
  .object({
    staffSecondFactorRequired: z.boolean().optional(),
    reauthMinutes: z.int("Whole minutes").min(1, "At least 1 minute").max(60, "At most 60 minutes").optional(),
    reauthRefundAbove: z.int("Minor units, a whole number").min(0, "Zero or more").max(100_000_000).optional(),
  })
  .strict()
  .openapi("SecuritySettingsBody");
export type SecuritySettingsBody = z.infer<typeof SecuritySettingsBody>;
