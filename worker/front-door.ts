import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { getPageSession, renewPageSession } from "./accounts/page-session";
import type { Role } from "./accounts/tables";
import { allowedImageOrigins } from "./store";
import { api } from "./api";
import { displayCurrencyFor, requestCountry } from "./currency";
import type { AppEnv } from "./lib/context";
import { contentSecurityPolicy } from "./lib/csp";
import { PAGE_REQUEST_ID_HEADER } from "./lib/request-log";
import { responseCache } from "./lib/response-cache";
import { requestLog } from "./lib/request-log";
import { mediaRoutes } from "./media/routes";
import { seoRoutes } from "./seo/routes";
import { checkoutFormOrigins } from "./payments";
import { shippingData } from "./shipping";

const STAFF_SECTIONS: [prefix: string, roles: Role[]][] = [
  ["/admin", ["admin", "support"]],
  ["/vendor", ["vendor", "admin"]],
];

/**
 * The admin and vendor sections are guarded here, before Astro renders:
 * anonymous visitors go to sign-in, other roles get a 403 page. The API
 * routes behind those pages check again on the server.
 */
async function guardStaffPages(request: Request, env: Env): Promise<Response | null> {
  const path = new URL(request.url).pathname;
  const section = STAFF_SECTIONS.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
  if (!section) return null;
  const session = await getPageSession(request, env);
  if (!session) {
    return new Response(null, { status: 303, headers: { Location: `/account/login?returnTo=${encodeURIComponent(path)}`, "Cache-Control": "no-store" } });
  }
  if (!section[1].includes(session.principal.role)) {
    return new Response(
      '<!doctype html><title>Not allowed</title><h1>Not allowed</h1><p>Your account cannot open this section. <a href="/">Back to the store</a></p>',
      {
        status: 403,
        headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
      },
    );
  }
  return null;
}

/**
 * What an anonymous catalog page depends on besides its URL: the display currency (cookie, else
 * country) and the shipping zone (the free-shipping line). One cached copy per pair, so the euro
 * countries of the EU zone share one, and a page rendered in one currency never reaches another.
 */
export async function pageVariant(env: Env, request: Request): Promise<string> {
  const [display, shipping] = await Promise.all([displayCurrencyFor(env, request), shippingData(env)]);
  const country = requestCountry(request);
  const rules = country ? shipping.countries.get(country) : undefined;
  return `${display.code}:${(rules?.ships && rules.zoneId) || "-"}`;
}

/** The catalog pages every anonymous shopper sees the same way (per variant). */
const CATALOG_PAGES = ["/", "/c/:slug", "/p/:slug", "/search"];

export type PagesHandler = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;

/**
 * The Worker's fetch handler: request ids and logs, security headers, the
 * API under /api, generated media under /media, and every other path
 * rendered by the pages handler (Astro in production, absent in API tests).
 */
export function createFrontDoor(pages: PagesHandler) {
  const app = new Hono<AppEnv>();
  app.use("*", requestLog());
  // The one page meant to be framed: an email's stored HTML inside its admin page (the preview sets its own
  // CSP `frame-ancestors 'self'`). Registered before secureHeaders so this runs after it has set DENY.
  app.use("/admin/emails/:id/preview", async (c, next) => {
    await next();
    if (c.res.ok) c.res.headers.set("X-Frame-Options", "SAMEORIGIN");
  });
  app.use(
    "*",
    secureHeaders({
      strictTransportSecurity: "max-age=31536000; includeSubDomains",
      xFrameOptions: "DENY",
      referrerPolicy: "strict-origin-when-cross-origin",
      crossOriginEmbedderPolicy: false,
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  // A page's CSP names exactly the image origins an admin allowed (a plain value cached per isolate), and the
  // hosted payment page the checkout form (and the mini-cart, on every page) is redirected to after its post.
  app.use(
    "*",
    contentSecurityPolicy(async (c) => ({ img: await allowedImageOrigins(c.env), formAction: checkoutFormOrigins(c.env) })),
  );
  app.route("/", api);
  app.route("/media", mediaRoutes);
  app.route("/", seoRoutes);
  // Browsers and shared caches must not reuse one country's or one currency choice's page for another.
  const pageCache = responseCache({ variant: pageVariant, vary: "Cookie, CF-IPCountry" });
  for (const path of CATALOG_PAGES) app.get(path, pageCache);
  app.all("*", async (c) => {
    // Renew an expired access cookie before rendering, so pages see the shopper signed in.
    const renewed = await renewPageSession(c.req.raw, c.env);
    // Pages see the front door's request id (the one the answer carries as X-Request-Id), never a
    // client's own header, so an audit row written by a page form names this request.
    const headers = new Headers((renewed?.request ?? c.req.raw).headers);
    headers.set(PAGE_REQUEST_ID_HEADER, c.get("requestId"));
    const request = new Request(renewed?.request ?? c.req.raw, { headers });
    const guard = await guardStaffPages(request, c.env);
    const rendered = guard ?? (await pages(request, c.env, c.executionCtx as ExecutionContext));
    // A page rendered for a signed-in shopper names them (the header greets them; the cart count
    // is theirs): whatever the page said, no shared or browser cache may keep it.
    const personal = /(?:^|;\s*)__Host-(?:at|rt|cart)=/.test(request.headers.get("cookie") ?? "");
    if (!renewed?.setCookies.length && !personal) return rendered;
    const res = new Response(rendered.body, rendered);
    if (personal && /\bpublic\b/.test(res.headers.get("cache-control") ?? "")) res.headers.set("Cache-Control", "private, no-store");
    for (const cookie of renewed?.setCookies ?? []) res.headers.append("Set-Cookie", cookie);
    return res;
  });
  return app;
}
