import { type Context, Hono } from "hono";
import type { AppEnv } from "../lib/context";
import { storefrontSettings } from "../store";
import { appleAppSiteAssociation, assetLinks } from "./app-links";
import { SHARE_CARD_CACHE, shareCardPng } from "./share-images";
import { robotsTxt, type SitemapKind, sitemapFile, sitemapIndex, siteOrigin } from "./sitemaps";

/** Crawlers may keep these for an hour; a product added now shows up in the next fetch after that. */
const CRAWLER_CACHE = "public, max-age=3600";
const XML = "application/xml; charset=utf-8";
/** Phones fetch these when an app is installed or updated; an hour keeps a settings change quick to reach them. */
const APP_LINKS_CACHE = "public, max-age=3600";

/**
 * A share card as PNG. Drawing and compressing one costs tens of milliseconds of CPU, so the answer is kept in
 * the data centre's cache (Cache API) under its URL and later requests are served from there.
 */
async function shareCard(c: Context<AppEnv>, kind: "p" | "c" | "v" | "store", key: string): Promise<Response> {
  const cacheKey = new Request(new URL(c.req.path, c.req.url).href);
  // `caches.default` is the Workers runtime's own (missing from the DOM typing Astro's check sees).
  const edge = (caches as unknown as { default: Cache }).default;
  const cached = await edge.match(cacheKey);
  if (cached) return cached;
  const png = await shareCardPng(c.env, kind, key);
  if (!png) return c.text("No such page to share.", 404, { "Cache-Control": "no-store" });
  const response = new Response(png as Uint8Array<ArrayBuffer>, {
    headers: { "Content-Type": "image/png", "Content-Length": String(png.byteLength), "Cache-Control": SHARE_CARD_CACHE },
  });
  const stored = edge.put(cacheKey, response.clone());
  try {
    c.executionCtx.waitUntil(stored);
  } catch {
    await stored; // no execution context (a direct call in tests): store before answering
  }
  return response;
}

/**
 * `/sitemap.xml` (the index), `/sitemaps/<kind>-<n>.xml` and `/robots.txt`: plain documents for
 * crawlers at the site's root, mounted by the front door ahead of the pages (not part of the JSON API);
 * the app-link files phones read under `/.well-known/` (plain JSON, never a redirect, as both
 * platforms require); and the share cards of link previews (`/share/…png`).
 */
export const seoRoutes = new Hono<AppEnv>()
  .get("/share/store.png", (c) => shareCard(c, "store", ""))
  .get("/share/:kind{[pcv]}/:file{[a-z0-9-]{1,160}\\.png}", (c) =>
    shareCard(c, c.req.param("kind") as "p" | "c" | "v", c.req.param("file").replace(/\.png$/, "")),
  )
  .get("/.well-known/apple-app-site-association", async (c) =>
    c.body(JSON.stringify(appleAppSiteAssociation(await storefrontSettings(c.env))), 200, {
      "Content-Type": "application/json",
      "Cache-Control": APP_LINKS_CACHE,
    }),
  )
  .get("/.well-known/assetlinks.json", async (c) =>
    c.body(JSON.stringify(assetLinks(await storefrontSettings(c.env))), 200, { "Content-Type": "application/json", "Cache-Control": APP_LINKS_CACHE }),
  )
  .get("/robots.txt", (c) =>
    c.body(robotsTxt(siteOrigin(c.env, c.req.url)), 200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": CRAWLER_CACHE }),
  )
  .get("/sitemap.xml", async (c) =>
    c.body(await sitemapIndex(c.env, siteOrigin(c.env, c.req.url)), 200, { "Content-Type": XML, "Cache-Control": CRAWLER_CACHE }),
  )
  .get("/sitemaps/:file{(?:products|categories|vendors)-[1-9][0-9]{0,4}\\.xml}", async (c) => {
    const match = /^(products|categories|vendors)-(\d+)\.xml$/.exec(c.req.param("file"));
    if (!match) return c.notFound();
    const body = await sitemapFile(c.env, siteOrigin(c.env, c.req.url), match[1] as SitemapKind, Number(match[2]));
    if (body === null) return c.text("No such sitemap.", 404);
    return c.body(body, 200, { "Content-Type": XML, "Cache-Control": CRAWLER_CACHE });
  });
