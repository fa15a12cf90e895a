import { Hono } from "hono";
import type { AppEnv } from "../lib/context";
import { robotsTxt, sitemapFile, sitemapIndex, siteOrigin } from "./sitemaps";

/** Crawlers may keep these for an hour; a product added now shows up in the next fetch after that. */
const CRAWLER_CACHE = "public, max-age=3600";
const XML = "application/xml; charset=utf-8";

/**
 * `/sitemap.xml` (the index), `/sitemaps/<kind>-<n>.xml` and `/robots.txt`: plain documents for
 * crawlers at the site's root, mounted by the front door ahead of the pages (not part of the JSON API).
 */
export const seoRoutes = new Hono<AppEnv>()
  .get("/robots.txt", (c) =>
    c.body(robotsTxt(siteOrigin(c.env, c.req.url)), 200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": CRAWLER_CACHE }),
  )
  .get("/sitemap.xml", async (c) =>
    c.body(await sitemapIndex(c.env, siteOrigin(c.env, c.req.url)), 200, { "Content-Type": XML, "Cache-Control": CRAWLER_CACHE }),
  )
  .get("/sitemaps/:file{(?:products|categories)-[1-9][0-9]{0,4}\\.xml}", async (c) => {
    const match = /^(products|categories)-(\d+)\.xml$/.exec(c.req.param("file"));
    if (!match) return c.notFound();
    const body = await sitemapFile(c.env, siteOrigin(c.env, c.req.url), match[1] as "products" | "categories", Number(match[2]));
    if (body === null) return c.text("No such sitemap.", 404);
    return c.body(body, 200, { "Content-Type": XML, "Cache-Control": CRAWLER_CACHE });
  });
