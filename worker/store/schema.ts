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
    guestLinkDays: z.int().openapi({ description: "Days a guest's emailed order link works after it was issued (default 90)." }),
  })
  .openapi("SecuritySettings");
export type SecuritySettings = z.infer<typeof SecuritySettingsSchema>;

export const SecuritySettingsBody = z
  .object({
    staffSecondFactorRequired: z.boolean().optional(),
    reauthMinutes: z.int("Whole minutes").min(1, "At least 1 minute").max(60, "At most 60 minutes").optional(),
    reauthRefundAbove: z.int("Minor units, a whole number").min(0, "Zero or more").max(100_000_000).optional(),
    guestLinkDays: z.int("Whole days").min(1, "At least 1 day").max(3650, "At most 3650 days").optional(),
  })
  .strict()
  .openapi("SecuritySettingsBody");
export type SecuritySettingsBody = z.infer<typeof SecuritySettingsBody>;

const hexColour = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, "A colour like #2a211b")
  .transform((s) => s.toLowerCase());

/** `TEAMID.bundle.id`: Apple's ten-character team id, then the app's bundle id. */
export const AppleAppId = z
  .string()
  .trim()
  .regex(/^[A-Z0-9]{10}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "Write TEAMID.com.example.app (the ten-character team id, a dot, the bundle id)");

/** An Android signing certificate's SHA-256 fingerprint, as `keytool -list` prints it: 32 hex bytes joined by colons. */
export const Sha256Fingerprint = z
  .string()
  .trim()
  .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, "32 hex bytes separated by colons (keytool -list -v prints it)")
  .transform((s) => s.toUpperCase());

export const AndroidApp = z
  .object({
    packageName: z
      .string()
      .trim()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$/, "A package name like com.example.store"),
    sha256Fingerprints: z.array(Sha256Fingerprint).min(1, "At least one fingerprint").max(5, "At most 5 fingerprints"),
  })
  .strict()
  .openapi("AndroidApp");

/** The installable app's icons made from an uploaded picture (site paths of PNGs in the media bucket). */
export const AppIcons = z
  .object({
    any192: z.string().openapi({ description: "192 × 192, transparency kept (purpose any)." }),
    any512: z.string().openapi({ description: "512 × 512, transparency kept (purpose any)." }),
    maskable192: z.string().openapi({ description: "192 × 192 on the background colour, the picture inside the central 80% (purpose maskable)." }),
    maskable512: z.string().openapi({ description: "512 × 512, as the 192 px maskable icon." }),
  })
  .openapi("AppIcons");
export type AppIcons = z.infer<typeof AppIcons>;

/**
 * The storefront's main country (whose shipping rates structured data quotes) and the installable app:
 * its name, short name and colours in the web app manifest, and the native apps that may open the
 * store's links (iOS universal links, Android App Links).
 */
export const StorefrontSettingsSchema = z
  .object({
    mainCountry: z.string().openapi({ description: "ISO 3166-1 alpha-2; structured data's shipping details quote its standard rate (default US)." }),
    appName: z.string().nullable().openapi({ description: "The installed app's name; null for the store's name." }),
    appShortName: z.string().nullable().openapi({ description: "The launcher label (at most 12 characters); null for one derived from the name." }),
    themeColor: z.string().openapi({ description: "Browser chrome / status bar colour (#rrggbb)." }),
    backgroundColor: z.string().openapi({ description: "Splash screen background (#rrggbb)." }),
    appleAppIds: z.array(z.string()).openapi({ description: "iOS apps (TEAMID.bundle.id) served in /.well-known/apple-app-site-association." }),
    androidApps: z.array(AndroidApp).openapi({ description: "Android apps served in /.well-known/assetlinks.json." }),
    appIcons: AppIcons.nullable().openapi({
      description: "Icons made from the picture uploaded at PUT /api/admin/settings/app-icon; null: the icons built with the site.",
    }),
  })
  .openapi("StorefrontSettings");
export type StorefrontSettings = z.infer<typeof StorefrontSettingsSchema>;

/** Changes to the storefront settings: fields left out stay as they are. */
export const StorefrontSettingsBody = z
  .object({
    mainCountry: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, "A two-letter country code")
      .transform((s) => s.toUpperCase())
      .optional(),
    appName: z.string().trim().min(2, "At least 2 characters").max(45, "At most 45 characters").nullable().optional(),
    appShortName: z.string().trim().min(1, "Required").max(12, "At most 12 characters (a launcher label)").nullable().optional(),
    themeColor: hexColour.optional(),
    backgroundColor: hexColour.optional(),
    appleAppIds: z.array(AppleAppId).max(10, "At most 10 apps").optional(),
    androidApps: z.array(AndroidApp).max(10, "At most 10 apps").optional(),
  })
  .strict()
  .openapi("StorefrontSettingsBody");
export type StorefrontSettingsBody = z.infer<typeof StorefrontSettingsBody>;
