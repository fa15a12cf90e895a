import { env } from "cloudflare:workers";
import type { APIRoute } from "astro";
import { storefrontSettings, storeSettings } from "../../worker/store";
import { webManifest } from "../lib/pwa";

/** The web app manifest: the app's name and colours from the storefront settings, else the store's name and the design system's colours. */
export const GET: APIRoute = async () => {
  const [store, app] = await Promise.all([storeSettings(env), storefrontSettings(env)]);
  const storeName = store.storeName || env.STORE_NAME || "Northwind Goods";
  return new Response(JSON.stringify(webManifest(storeName, app)), {
    headers: {
      "Content-Type": "application/manifest+json; charset=utf-8",
      // Short: a renamed store reaches installed apps within the hour (browsers re-read it on launch).
      "Cache-Control": "public, max-age=3600",
    },
  });
};
