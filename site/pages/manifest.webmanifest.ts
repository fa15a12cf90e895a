import { env } from "cloudflare:workers";
import type { APIRoute } from "astro";
import { storeSettings } from "../../worker/store";
import { webManifest } from "../lib/pwa";

/** The web app manifest, named after the store (its settings can rename it at any time). */
export const GET: APIRoute = async () => {
  const storeName = (await storeSettings(env)).storeName || env.STORE_NAME || "Northwind Goods";
  return new Response(JSON.stringify(webManifest(storeName)), {
    headers: {
      "Content-Type": "application/manifest+json; charset=utf-8",
      // Short: a renamed store reaches installed apps within the hour (browsers re-read it on launch).
      "Cache-Control": "public, max-age=3600",
    },
  });
};
