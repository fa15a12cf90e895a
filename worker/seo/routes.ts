import { Hono } from "hono";
import type { AppEnv } from "../lib/context";
import { storefrontSettings } from "../store";
import { appleAppSiteAssociation, assetLinks } from "./app-links";
import { robotsTxt, type SitemapKind, sitemapFile, sitemapIndex, siteOrigin } from "./sitemaps";

/** Crawlers may keep these for an hour; a product added now shows up in the next fetch after that. */
const CRAWLER_CACHE = "public, max-age=3600";
const XML = "application/xml; charset=utf-8";
/** Phones fetch these when an app is installed or updated; an hour keeps a settings change quick to reach them. */
const APP_LINKS_CACHE = "public, max-age=3600";

/**
 * `/sitemap.xml` (the index), `/sitemaps/<kind>-<n>.xml` and `/robots.txt`: plain documents for
 * crawlers at the site's root, mounted by the front door ahead of the pages (not part of the JSON API);
 * and the app-link files phones read under `/.well-known/` (plain JSON, never a redirect, as both
 * platforms require).
 */
export const seoRoutes = new Hono<AppEnv>()
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
