import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { RefreshResultSchema } from "./schema";
import { refreshRecommendations } from "./service";

/** Staff: recompute the precomputed rows now instead of waiting for the cron ("catalog" permission). */
export const adminRecommendationRoutes = createApiApp().openapi(
  createRoute({
    method: "post",
    path: "/recommendations/refresh",
    tags: ["Admin: recommendations"],
    security: SIGNED_IN,
    summary: "Recompute bought-together and similar-item rows whose inputs changed (what the cron does every 15 minutes)",
    responses: {
      200: { description: "Rows written per kind (null: unchanged, left as it was).", content: { "application/json": { schema: RefreshResultSchema } } },
      401: problemResponse("Not signed in."),
      403: problemResponse("Not staff, or without the catalog permission."),
    },
  }),
  async (c) => {
    requirePermission(c, "catalog");
    return c.json(await refreshRecommendations(c.env), 200);
  },
);
