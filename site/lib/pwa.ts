// The installable app: its web app manifest and the colours it shares with the layout.
// Name, short name and colours come from the storefront settings (PATCH /api/admin/settings/storefront),
// falling back to the store's name and the design system's colours (site/styles/base/tokens.css):
// --color-ink for the browser chrome, --color-bg behind the splash screen.

import type { StorefrontSettings } from "../../worker/store";

/** The design system's browser chrome colour (the header band): the default of the storefront setting the layouts and manifest read. */
export const THEME_COLOR = "#2a211b";
/** The splash screen behind the icon while the app starts. */
export const BACKGROUND_COLOR = "#faf7f2";

/** The icons built with the site (scripts/pwa/icons.mjs writes them to site/public/icons/). */
export const BUILT_IN_ICONS = {
  any192: "/icons/icon-192.png",
  any512: "/icons/icon-512.png",
  maskable192: "/icons/maskable-192.png",
  maskable512: "/icons/maskable-512.png",
} as const;

/** Where the manifest is served (by site/pages/manifest.webmanifest.ts). */
export const MANIFEST_PATH = "/manifest.webmanifest";

export interface WebManifest {
  id: string;
  name: string;
  short_name: string;
  description: string;
  start_url: string;
  scope: string;
  display: "standalone";
  orientation: "any";
  theme_color: string;
  background_color: string;
  lang: string;
  categories: string[];
  icons: { src: string; sizes: string; type: "image/png"; purpose: "any" | "maskable" }[];
  shortcuts: { name: string; short_name: string; url: string; icons: { src: string; sizes: string; type: "image/png" }[] }[];
}

/** A launcher label fits about 12 characters; longer names keep their first word(s). */
function shortName(name: string): string {
  if (name.length <= 12) return name;
  let short = "";
  for (const word of name.split(/\s+/)) {
    if (`${short} ${word}`.trim().length > 12) break;
    short = `${short} ${word}`.trim();
  }
  return short || name.slice(0, 12);
}

/**
 * The web app manifest for a store of this name: standalone display starting at the home page, icons
 * for every launcher shape, and shortcuts (long-press on the icon) to search, the cart and the
 * shopper's orders.
 */
export function webManifest(
  storeName: string,
  app: Pick<StorefrontSettings, "appName" | "appShortName" | "themeColor" | "backgroundColor" | "appIcons"> = {
    appName: null,
    appShortName: null,
    themeColor: THEME_COLOR,
    backgroundColor: BACKGROUND_COLOR,
    appIcons: null,
  },
): WebManifest {
  // Icons made from the picture uploaded in the app settings, else the ones built with the site (npm run icons).
  const src = app.appIcons ?? BUILT_IN_ICONS;
  const icon = [{ src: src.any192, sizes: "192x192", type: "image/png" as const }];
  const name = app.appName ?? storeName;
  return {
    id: "/",
    name,
    short_name: app.appShortName ?? shortName(name),
    description: `${storeName}: well-made clothing, homeware and outdoor gear.`,
    start_url: "/",
    scope: "/",
    display: "standalone",
    orientation: "any",
    theme_color: app.themeColor,
    background_color: app.backgroundColor,
    lang: "en",
    categories: ["shopping"],
    icons: [
      { src: src.any192, sizes: "192x192", type: "image/png", purpose: "any" },
      { src: src.any512, sizes: "512x512", type: "image/png", purpose: "any" },
      { src: src.maskable192, sizes: "192x192", type: "image/png", purpose: "maskable" },
      { src: src.maskable512, sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
    shortcuts: [
      { name: "Search products", short_name: "Search", url: "/search", icons: icon },
      { name: "Your cart", short_name: "Cart", url: "/cart", icons: icon },
      { name: "Your orders", short_name: "Orders", url: "/account/orders", icons: icon },
    ],
  };
}
