import { eq } from "drizzle-orm";
import { getDb } from "../db/client";
import type { AuditActor } from "../lib/audit";
import { onCacheVersionChange } from "../lib/cache-version";
import { AppError } from "../lib/errors";
import { MemoCache } from "../lib/memo-cache";
import { commitSettingsChange } from "../lib/settings-write";
import type {
  AppIcons,
  ImageOriginsBody,
  NotificationSettingsBody,
  SecuritySettings,
  SecuritySettingsBody,
  StoreSettings,
  StoreSettingsBody,
  StorefrontSettings,
  StorefrontSettingsBody,
} from "./schema";
import { storeSettings as storeSettingsTable } from "./tables";

export type { StoreSettings } from "./schema";

const cache = new MemoCache(4);
const IMAGE_ORIGINS_KEY = "image_origins";
const IMAGE_ORIGINS_TTL_MS = 60_000;
/**
 * A plain value, never a promise: every page reads it for its CSP, and a request must not await a load
 * another request started. Concurrent misses each read D1 once (one small row).
 */
let imageOriginsCache: { value: string[]; expires: number } | null = null;

/** Forgets the store settings and image origins held in this isolate. */
export function purgeStoreCache(): void {
  cache.purge();
  imageOriginsCache = null;
}
// Another isolate's write moves the cache version: this isolate's copies go with it.
onCacheVersionChange(purgeStoreCache);

/** Store name and base currency (D1 `store_settings`, falling back to the Worker's vars), memoised 60 s per isolate. */
export function storeSettings(env: Env): Promise<StoreSettings> {
  return cache.get("store", 60_000, async () => {
    const rows = await getDb(env.DB).select().from(storeSettingsTable);
    const value = <T = string>(key: string) => {
      const row = rows.find((r) => r.key === key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    };
    // The base currency is the Worker's: prices are stored in it, so D1 can only mirror it.
    return {
      storeName: value("store_name") ?? env.STORE_NAME,
      baseCurrency: env.BASE_CURRENCY,
      staffOrderEmails: value<boolean>("staff_order_emails") ?? true,
      staffOrderEmailTo: value<string | null>("staff_order_email_to") ?? null,
    };
  });
}

const field = (path: string, message: string, status: 400 | 409 = 400, code = "settings.invalid") => new AppError(code, status, message, [{ path, message }]);

function putSetting(env: Env, actor: AuditActor, key: string, v: unknown) {
  const value = JSON.stringify(v);
  return getDb(env.DB)
    .insert(storeSettingsTable)
    .values({ key, value, updatedBy: actor.actorId })
    .onConflictDoUpdate({ target: storeSettingsTable.key, set: { value, updatedBy: actor.actorId, updatedAt: new Date().toISOString() } });
}

/** Renames the store (audited); the base currency can only be restated, never changed (409 `settings.base_currency_locked`). */
export async function updateStoreSettings(env: Env, actor: AuditActor, body: StoreSettingsBody): Promise<Pick<StoreSettings, "storeName" | "baseCurrency">> {
  const before = await storeSettings(env);
  if (body.baseCurrency && body.baseCurrency !== before.baseCurrency) {
    throw field(
      "baseCurrency",
      `The base currency stays ${before.baseCurrency}: every price is stored in it, so changing it needs a repricing migration.`,
      409,
      "settings.base_currency_locked",
    );
  }
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.store", entityType: "store_settings", entityId: "store_name", before: before.storeName, after: body.storeName },
    [putSetting(env, actor, "store_name", body.storeName)],
    { forget: purgeStoreCache, pagesChange: true },
  );
  return { storeName: body.storeName, baseCurrency: before.baseCurrency };
}

/** Turns the staff new-order email on or off and sets where it goes (one audited batch). */
export async function updateNotificationSettings(env: Env, actor: AuditActor, body: NotificationSettingsBody): Promise<StoreSettings> {
  const before = await storeSettings(env);
  const after = {
    staffOrderEmails: body.staffOrderEmails ?? before.staffOrderEmails,
    staffOrderEmailTo: body.staffOrderEmailTo === undefined ? before.staffOrderEmailTo : (body.staffOrderEmailTo?.toLowerCase() ?? null),
  };
  await commitSettingsChange(
    env,
    actor,
    {
      action: "settings.notifications",
      entityType: "store_settings",
      entityId: "notifications",
      before: { staffOrderEmails: before.staffOrderEmails, staffOrderEmailTo: before.staffOrderEmailTo },
      after,
    },
    [putSetting(env, actor, "staff_order_emails", after.staffOrderEmails), putSetting(env, actor, "staff_order_email_to", after.staffOrderEmailTo)],
    { forget: purgeStoreCache, pagesChange: false },
  );
  return { ...before, ...after };
}

/**
 * The origins product pictures may be loaded from (Settings → Images), as
 * validated bare origins. Cached per isolate for 60 s; a save in this isolate
 * is seen at once.
 */
export async function allowedImageOrigins(env: Env): Promise<string[]> {
  const now = Date.now();
  if (imageOriginsCache && imageOriginsCache.expires > now) return imageOriginsCache.value;
  const row = await getDb(env.DB).select().from(storeSettingsTable).where(eq(storeSettingsTable.key, IMAGE_ORIGINS_KEY)).get();
  const parsed: unknown = row ? JSON.parse(row.value) : [];
  const value = Array.isArray(parsed) ? parsed.filter((o): o is string => typeof o === "string") : [];
  imageOriginsCache = { value, expires: now + IMAGE_ORIGINS_TTL_MS };
  return value;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1"]);

/** Why `origin` (already a bare origin) cannot be allowed in this environment, or null. */
function insecureOriginProblem(env: Env, origin: string): string | null {
  const url = new URL(origin);
  if (url.protocol === "https:") return null;
  if (env.ENVIRONMENT === "production") return "Use an https:// origin";
  if (!LOOPBACK.has(url.hostname)) return "Use an https:// origin (plain http only for localhost or 127.0.0.1 outside production)";
  return null;
}

/**
 * Replaces the list of allowed image origins (audited). Each must be a bare
 * https origin; duplicates are dropped. Pages' CSP `img-src` and the product
 * image checks use the new list at once in this isolate, within 60 s elsewhere.
 */
export async function updateImageOrigins(env: Env, actor: AuditActor, body: ImageOriginsBody): Promise<{ origins: string[] }> {
  body.origins.forEach((origin, i) => {
    const problem = insecureOriginProblem(env, origin);
    if (problem) throw field(`origins.${i}`, problem);
  });
  const origins = [...new Set(body.origins)];
  const before = await allowedImageOrigins(env);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.image_origins", entityType: "store_settings", entityId: IMAGE_ORIGINS_KEY, before, after: origins },
    [putSetting(env, actor, IMAGE_ORIGINS_KEY, origins)],
    { forget: purgeStoreCache, pagesChange: true },
  );
  return { origins };
}

/**
 * Why a product picture address cannot be used, or null: a path on this site
 * is always fine; an absolute address must come from an allowed image origin.
 */
export function imageUrlProblem(url: string, allowed: readonly string[]): string | null {
  if (url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/\\")) return null;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return "Use an https:// address or a path on this site";
  }
  if (allowed.includes(origin)) return null;
  return `${origin} is not an allowed image origin: add it under Settings → Images (allowed image origins) first`;
}

/** The staff security settings (D1 `store_settings`), memoised 60 s per isolate like the others. */
export function securitySettings(env: Env): Promise<SecuritySettings> {
  return cache.get("security", 60_000, async () => {
    const rows = await getDb(env.DB).select().from(storeSettingsTable);
    const value = <T>(key: string) => {
      const row = rows.find((r) => r.key === key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    };
    return {
      staffSecondFactorRequired: value<boolean>("staff_second_factor_required") ?? true,
      reauthMinutes: value<number>("reauth_minutes") ?? 10,
      reauthRefundAbove: value<number>("reauth_refund_above") ?? 10_000,
      guestLinkDays: value<number>("guest_link_days") ?? 90,
    };
  });
}

/** Changes the staff security settings (one audited batch). Turning the staff second factor off is allowed but audited. */
export async function updateSecuritySettings(env: Env, actor: AuditActor, body: SecuritySettingsBody): Promise<SecuritySettings> {
  const before = await securitySettings(env);
  const after = { ...before, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) } as SecuritySettings;
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.security", entityType: "store_settings", entityId: "security", before, after },
    [
      putSetting(env, actor, "staff_second_factor_required", after.staffSecondFactorRequired),
      putSetting(env, actor, "reauth_minutes", after.reauthMinutes),
      putSetting(env, actor, "reauth_refund_above", after.reauthRefundAbove),
      putSetting(env, actor, "guest_link_days", after.guestLinkDays),
    ],
    { forget: purgeStoreCache, pagesChange: false },
  );
  return after;
}

/** What a store has before anyone changes it: the design system's colours (site/styles/base/tokens.css), no native apps. */
export const STOREFRONT_DEFAULTS: StorefrontSettings = {
  mainCountry: "US",
  appName: null,
  appShortName: null,
  themeColor: "#2a211b",
  backgroundColor: "#faf7f2",
  appleAppIds: [],
  androidApps: [],
  appIcons: null,
};
const STOREFRONT_KEYS = {
  mainCountry: "main_country",
  appName: "app_name",
  appShortName: "app_short_name",
  themeColor: "app_theme_color",
  backgroundColor: "app_background_color",
  appleAppIds: "app_apple_app_ids",
  androidApps: "app_android_apps",
  appIcons: "app_icons",
} as const satisfies Record<keyof StorefrontSettings, string>;

/**
 * The storefront's main country and the installable app's name, colours and linked native apps (D1
 * `store_settings`, the defaults where unset), memoised 60 s per isolate like the other settings.
 */
export function storefrontSettings(env: Env): Promise<StorefrontSettings> {
  return cache.get("storefront", 60_000, async () => {
    const rows = await getDb(env.DB).select().from(storeSettingsTable);
    const out = { ...STOREFRONT_DEFAULTS } as Record<keyof StorefrontSettings, unknown>;
    for (const [field, key] of Object.entries(STOREFRONT_KEYS) as [keyof StorefrontSettings, string][]) {
      const row = rows.find((r) => r.key === key);
      if (row) out[field] = JSON.parse(row.value);
    }
    return out as StorefrontSettings;
  });
}

/**
 * Changes the storefront settings (fields left out stay), audited in one batch. Product pages and the
 * manifest show them, so every isolate's caches of pages move on.
 */
export async function updateStorefrontSettings(env: Env, actor: AuditActor, body: StorefrontSettingsBody): Promise<StorefrontSettings> {
  const before = await storefrontSettings(env);
  const changed = Object.entries(body).filter(([, v]) => v !== undefined) as [keyof StorefrontSettings, unknown][];
  const after = { ...before, ...Object.fromEntries(changed) } as StorefrontSettings;
  if (!changed.length) return before;
  const [first, ...rest] = changed.map(([field, v]) => putSetting(env, actor, STOREFRONT_KEYS[field], v));
  if (!first) return before;
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.storefront", entityType: "store_settings", entityId: "storefront", before, after },
    [first, ...rest],
    { forget: purgeStoreCache, pagesChange: true },
  );
  return after;
}

/**
 * Points the installable app at icons made from an uploaded picture (`null`: back to the icons built with
 * the site), audited as `settings.app_icons`. Only the media domain's upload calls this, with paths of
 * icons it has just stored; the PATCH body of the storefront settings cannot set them.
 */
export async function setAppIcons(env: Env, actor: AuditActor, icons: AppIcons | null): Promise<StorefrontSettings> {
  const before = await storefrontSettings(env);
  const after = { ...before, appIcons: icons };
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.app_icons", entityType: "store_settings", entityId: STOREFRONT_KEYS.appIcons, before: before.appIcons, after: icons },
    [putSetting(env, actor, STOREFRONT_KEYS.appIcons, icons)],
    { forget: purgeStoreCache, pagesChange: true },
  );
  return after;
}
