import { createRoute } from "@hono/zod-openapi";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "../vendors";
import { ReportQuery, VendorAnalyticsReport } from "./schema";
import { loadVendorAnalyticsReport } from "./service/vendors";

/**
 * A seller's own analytics under /api/vendor (the vendor sub-app applies no-store): its sales, orders,
 * units, product views and conversion, read only for the caller's vendor. Money figures, so members with
 * the "finance" capability (and owners) only.
 */
export const vendorAnalyticsRoutes = createApiApp().openapi(
  createRoute({
    method: "get",
    path: "/analytics/report",
    tags: ["Vendor: analytics"],
    security: SIGNED_IN,
    summary: "The seller's sales, orders, units, product views and conversion for a range of store-local days, with the period before",
    request: { query: ReportQuery },
    responses: {
      200: { description: "The seller's figures and best products.", content: { "application/json": { schema: VendorAnalyticsReport } } },
      400: problemResponse("Invalid range (the field is named)."),
      401: problemResponse("Not signed in."),
      403: problemResponse("Not a member of an active vendor, or the member role lacks the finance capability."),
    },
  }),
  async (c) => {
    const { vendorId } = await requireVendor(c, "finance");
    return c.json(await loadVendorAnalyticsReport(c.env, vendorId, c.req.valid("query")), 200);
  },
);
