import type { MiddlewareHandler } from "hono";
import { displayCurrencyFor, requestCountry } from "../currency/service";
import { shippingData } from "../shipping/service";
import type { AppEnv } from "./context";

interface CachedPage {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
  expires: number;
}

const PAGE_TTL_MS = 30_000;
const MAX_PAGES = 1_000;
const pages = new Map<string, CachedPage>();

/** Catalog pages every anonymous shopper sees the same way. */
const CACHEABLE_PATH = /^\/(?:$|c\/[a-z0-9-]+$|p\/[a-z0-9-]+$|search$)/;

/** Forgets every rendered page in this isolate (called with the catalog cache purge). */
export function purgePageCache(): void {
  pages.clear();
}

/**
 * Serves anonymous GETs of catalog pages from this isolate's memory for up to
 * 30 s after one render, the same freshness the catalog data cache has.
 * Only answers the page itself marked `public` are kept; a request carrying
 * a cookie (a signed-in shopper, a cart) is always rendered fresh.
 */
export function pageCache(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (c.req.method !== "GET" || !CACHEABLE_PATH.test(url.pathname)) return next();
    if (c.req.header("cookie")) {
      await next();
      // Rendered in the cookie's display currency: browsers must not reuse it once the choice changes.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.append("Vary", "Cookie, CF-IPCountry");
      return;
    }
    // Without a cookie, a page depends on the visitor's country only through its display currency and its
    // shipping zone (the free-shipping line): one copy per (currency, zone), so the 20 euro countries of the
    // EU zone share one, and a page rendered in one currency is never served to a visitor of another.
    const key = `${await pageVariant(c.env, c.req.raw)} ${url.pathname}${url.search}`;
    const hit = pages.get(key);
    if (hit && hit.expires > Date.now()) {
      const headers = new Headers(hit.headers);
      headers.set("X-Page-Cache", "hit");
      return new Response(hit.body, { status: hit.status, headers });
    }
    await next();
    // Browsers and shared caches must not reuse one country's or one currency choice's prices for another.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.append("Vary", "Cookie, CF-IPCountry");
    const res = c.res;
    const cacheControl = res.headers.get("cache-control") ?? "";
    if ((res.status === 200 || res.status === 404) && cacheControl.includes("public") && !res.headers.has("set-cookie")) {
      const body = await res.clone().arrayBuffer();
      if (pages.size >= MAX_PAGES) pages.delete(pages.keys().next().value as string);
      pages.set(key, { status: res.status, headers: [...res.headers], body, expires: Date.now() + PAGE_TTL_MS });
    }
  };
}

/** What an anonymous page's rendering depends on besides its URL: display currency and shipping zone (both memoised). */
async function pageVariant(env: Env, request: Request): Promise<string> {
  const [display, shipping] = await Promise.all([displayCurrencyFor(env, request), shippingData(env)]);
  const country = requestCountry(request);
  const rules = country ? shipping.countries.get(country) : undefined;
  return `${display.code}:${(rules?.ships && rules.zoneId) || "-"}`;
}
