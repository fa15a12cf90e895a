/**
 * The two files phones read to let a native app open the store's links: Apple's
 * `apple-app-site-association` (universal links) and Android's `assetlinks.json` (App Links), both from
 * the storefront settings. With no app configured they are still valid and say "no app", so a phone
 * that asks gets a clear answer instead of a 404 page.
 */
import type { StorefrontSettings } from "../store";

/** Store paths an app may open: products, categories, vendors, orders and the checkout's return. */
export const APP_LINK_PATHS = ["/p/*", "/c/*", "/v/*", "/orders/*", "/account/orders*", "/checkout/complete*", "/wishlist/shared/*"] as const;

/** Apple's format since iOS 13: `applinks.details[].appIDs` with path `components`; `webcredentials` for password autofill. */
export function appleAppSiteAssociation(settings: Pick<StorefrontSettings, "appleAppIds">): Record<string, unknown> {
  const appIDs = settings.appleAppIds;
  return {
    applinks: { details: appIDs.length ? [{ appIDs, components: APP_LINK_PATHS.map((path) => ({ "/": path })) }] : [] },
    webcredentials: { apps: appIDs },
  };
}

/** Android's Digital Asset Links statements: each app may handle every link of this site. */
export function assetLinks(settings: Pick<StorefrontSettings, "androidApps">): Record<string, unknown>[] {
  return settings.androidApps.map((app) => ({
    relation: ["delegate_permission/common.handle_all_urls"],
    target: { namespace: "android_app", package_name: app.packageName, sha256_cert_fingerprints: app.sha256Fingerprints },
  }));
}
