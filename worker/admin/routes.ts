import { createRoute } from "@hono/zod-openapi";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { loadOverview } from "./dashboard";
import { OverviewSchema } from "./schema";

export const adminOverviewRoutes = createApiApp().openapi(
  createRoute({
    method: "get",
    path: "/admin/overview",
    tags: ["Admin: overview"],
    security: SIGNED_IN,
    summary: "Today's and this week's revenue, orders awaiting fulfilment, low stock, sign-ups, 30 days of revenue (admin)",
    responses: {
      200: { description: "The overview figures.", content: { "application/json": { schema: OverviewSchema } } },
      401: problemResponse("Not signed in."),
      403: problemResponse("Not an admin."),
    },
  }),
  async (c) => {
    requireRole(c, "admin");
    c.header("Cache-Control", "private, no-store");
    return c.json(await loadOverview(c.env), 200);
  },
);
