import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { accountRoutes } from "./accounts/routes";
import { adminUserRoutes } from "./accounts/routes-admin";
import { analyticsRoutes } from "./analytics/routes";
import { adminAnalyticsRoutes } from "./analytics/routes-admin";
import { adminBackofficeRoutes, adminSettingsOverviewRoutes } from "./backoffice/routes-admin";
import { cartRoutes } from "./cart/routes";
import { catalogRoutes } from "./catalog/routes";
import { adminCatalogRoutes } from "./catalog/routes-admin";
import { checkoutRoutes } from "./checkout/routes";
import { currencyRoutes } from "./currency/routes";
import { adminCurrencyRoutes } from "./currency/routes-admin";
import { docsRoutes } from "./docs/routes";
import { healthRoutes } from "./health/routes";
import { adminInventoryRoutes } from "./inventory/routes-admin";
import { authenticate } from "./accounts";
import { requireRole } from "./lib/auth";
import type { Role } from "./lib/context";
import { AppError, problem } from "./lib/errors";
import { createApiApp } from "./lib/openapi";
import { responseCache } from "./lib/response-cache";
import { adminRegionRoutes } from "./regions/routes-admin";
import { mediaApiRoutes } from "./media/routes";
import { adminMediaRoutes } from "./media/routes-admin";
import { adminEmailRoutes } from "./notifications/routes-admin";
import { orderRoutes } from "./orders/routes";
import { vendorOrderRoutes } from "./orders/routes-vendor";
import { vendorLedgerRoutes, vendorPayoutRoutes } from "./vendors/routes-vendor";
import { vendorReviewRoutes } from "./reviews/routes-vendor";
import { adminPromotionRoutes } from "./promotions/routes-admin";
import { loyaltyRoutes } from "./loyalty/routes";
import { adminLoyaltyRoutes } from "./loyalty/routes-admin";
import { adminOrderRoutes } from "./orders/routes-admin";
import { webhookRoutes } from "./orders/routes-webhooks";
import { reviewRoutes } from "./reviews/routes";
import { adminReviewRoutes } from "./reviews/routes-admin";
import { searchRoutes } from "./search/routes";
import { shippingRoutes } from "./shipping/routes";
import { adminShippingRoutes } from "./shipping/routes-admin";
import { adminStoreRoutes } from "./store/routes-admin";
import { returnRoutes } from "./returns/routes";
import { adminReturnRoutes } from "./returns/routes-admin";
import { vendorReturnRoutes } from "./returns/routes-vendor";
import { supportRoutes } from "./support/routes";
import { vendorApplicationRoutes } from "./vendors/routes";
import { adminCommissionRoutes, adminPayoutRoutes, adminVendorRoutes } from "./vendors/routes-admin";
import { vendorMemberRoutes, vendorSettingsRoutes } from "./vendors/routes-vendor";
import { vendorCatalogRoutes } from "./catalog/routes-vendor";
import { vendorInventoryRoutes } from "./inventory/routes-vendor";
import { adminSupportRoutes } from "./support/routes-admin";
import { wishlistRoutes } from "./wishlist/routes";
import { recommendationRoutes } from "./recommendations/routes";
import { adminRecommendationRoutes } from "./recommendations/routes-admin";
import { vendorAnalyticsRoutes } from "./analytics/routes-vendor";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Routes that take a non-JSON body and enforce their own type and size limit (CSV import: text/csv, 2 MiB; pictures: 1 MiB). */
const OWN_BODY_RULES = new Set(["/api/admin/products/import", "/api/admin/products/images", "/api/reviews/photos", "/api/admin/settings/app-icon"]);
/** A return's photo upload: an image body of at most 5 MiB, checked by the route. */
const RETURN_PHOTO_PATH = /^\/api\/returns\/[^/]+\/photos$/;
/** A seller's product picture: an image body of at most 5 MiB, checked by the route (catalog's routes-vendor.ts). */
const VENDOR_PICTURE_PATH = /^\/api\/vendor\/products\/[^/]+\/images$/;
const hasOwnBodyRules = (path: string) => OWN_BODY_RULES.has(path) || RETURN_PHOTO_PATH.test(path) || VENDOR_PICTURE_PATH.test(path);

/**
 * The JSON API under /api: every route, its OpenAPI document and its error
 * mapping. Free of Astro imports so tests and typed clients need no build.
 */
export const api = createApiApp().basePath("/api");

// Writes are JSON only: this is also the CSRF guard for cookie sessions
// (a form or text/plain post cannot carry application/json cross-site).
api.use("*", async (c, next) => {
  if (WRITE_METHODS.has(c.req.method) && c.req.header("content-length") !== "0" && !c.req.path.startsWith("/api/webhooks/") && !hasOwnBodyRules(c.req.path)) {
    const type = c.req.header("content-type") ?? "";
    if (c.req.method !== "DELETE" || type) {
      if (!/^application\/json(\s*;|$)/i.test(type)) return problem(c, 415, "request.unsupported_media_type", "Send the body as application/json.");
    }
  }
  await next();
});
const jsonBodyLimit = bodyLimit({ maxSize: 64 * 1024, onError: (c) => problem(c, 413, "request.too_large", "The body is larger than 64 KiB.") });
api.use("*", (c, next) => (hasOwnBodyRules(c.req.path) ? next() : jsonBodyLimit(c, next)));

// Anonymous catalog reads come from the isolate's memory or the edge cache (docs/caching.md); they
// do not depend on the display currency (prices are in the base currency), only on the URL.
const catalogCache = responseCache();
for (const path of ["/products", "/products/:slug", "/categories", "/search/suggest"]) api.get(path, catalogCache);

api.use("*", authenticate());

/**
 * The staff API under /api/admin and the vendor API under /api/vendor. Each audience's routes are
 * mounted on its own sub-app, which refuses every other role and marks every answer `private, no-store` once,
 * so handlers do not repeat either (they only narrow further, e.g. admins-only writes that support may
 * not make). Route files declare paths without the prefix: `routes-admin.ts` says "/orders/{id}".
 */
export function audienceApp(...roles: Role[]) {
  const app = createApiApp();
  app.use("*", async (c, next) => {
    requireRole(c, ...roles);
    await next();
    c.header("Cache-Control", "private, no-store");
  });
  return app;
}

const adminApi = audienceApp("admin", "support");
const vendorApi = audienceApp("vendor", "admin");

api
  .route("/", healthRoutes)
  // Search (the product listing) before catalog: the OpenAPI document's shared schemas keep their first use.
  .route("/", searchRoutes)
  .route("/", catalogRoutes)
  .route("/", analyticsRoutes)
  .route("/", accountRoutes)
  .route("/", cartRoutes)
  .route("/", checkoutRoutes)
  .route("/", webhookRoutes)
  .route("/", orderRoutes)
  .route("/", returnRoutes)
  .route("/", shippingRoutes)
  .route("/", currencyRoutes)
  .route("/", mediaApiRoutes)
  .route("/", supportRoutes)
  .route("/", reviewRoutes)
  .route("/", wishlistRoutes)
  .route("/", vendorApplicationRoutes)
  .route("/", loyaltyRoutes);
api.route("/", recommendationRoutes);

// Media's upload first: its own body rules must run before anything reads the body.
adminApi.route("/", adminMediaRoutes).route("/", adminCatalogRoutes).route("/", adminInventoryRoutes);

adminApi.route("/", adminStoreRoutes);
adminApi.route("/", adminRegionRoutes);
adminApi.route("/", adminCurrencyRoutes);
adminApi.route("/", adminShippingRoutes);
adminApi.route("/", adminUserRoutes);
adminApi.route("/", adminEmailRoutes);
adminApi.route("/", adminSettingsOverviewRoutes);
adminApi.route("/", adminBackofficeRoutes);
adminApi.route("/", adminOrderRoutes);
adminApi.route("/", adminReturnRoutes);
adminApi.route("/", adminSupportRoutes);
adminApi.route("/", adminPromotionRoutes);
adminApi.route("/", adminReviewRoutes);
adminApi.route("/", adminRecommendationRoutes);
vendorApi.route("/", vendorOrderRoutes);
vendorApi.route("/", vendorReturnRoutes);
vendorApi.route("/", vendorLedgerRoutes);
vendorApi.route("/", vendorPayoutRoutes);
adminApi.route("/", adminAnalyticsRoutes);
adminApi.route("/", adminVendorRoutes);
adminApi.route("/", adminPayoutRoutes);
adminApi.route("/", adminCommissionRoutes);
adminApi.route("/", adminLoyaltyRoutes);
api.route("/admin", adminApi);
vendorApi.route("/", vendorMemberRoutes);
vendorApi.route("/", vendorCatalogRoutes).route("/", vendorInventoryRoutes).route("/", vendorSettingsRoutes);
vendorApi.route("/", vendorReviewRoutes);
vendorApi.route("/", vendorAnalyticsRoutes);
api.route("/vendor", vendorApi);

api.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
api.openAPIRegistry.registerComponent("securitySchemes", "cookieAuth", { type: "apiKey", in: "cookie", name: "__Host-at" });

api.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "Edge Commerce API",
    version: "0.1.0",
    description: "JSON API of the store. Money is integer minor units plus ISO 4217 currency; errors are RFC 9457 problem details.",
  },
  servers: [{ url: "/" }],
});
api.route("/", docsRoutes);

// A mounted sub-app's notFound is not consulted, so unmatched /api paths end here.
api.all("*", (c) => problem(c, 404, "request.route_not_found", `No API route matches ${c.req.method} ${c.req.path}.`));

api.onError((err, c) => {
  if (err instanceof AppError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return problem(c, err.status, err.code, err.message, err.errors, err.extensions);
  }
  if (err instanceof HTTPException && err.status < 500) {
    return problem(c, err.status, "request.invalid", err.message || "The request could not be read.");
  }
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled error",
      requestId: c.get("requestId"),
      path: c.req.path,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    }),
  );
  return problem(c, 500, "internal.error", "Something went wrong on our side. Quote the request id if you contact us.");
});
