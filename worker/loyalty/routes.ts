import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { LoyaltySummary } from "./schema";
import { loyaltySummary } from "./service/ledger";

/** The signed-in member's points. */
export const loyaltyRoutes = createApiApp().openapi(
  createRoute({
    method: "get",
    path: "/loyalty",
    tags: ["Loyalty"],
    security: SIGNED_IN,
    summary: "The caller's points: available and pending balance, tier, and the latest 50 movements",
    responses: {
      200: { description: "Balance, tier and statement.", content: { "application/json": { schema: LoyaltySummary } } },
      401: problemResponse("Not signed in."),
    },
  }),
  async (c) => {
    const { principal } = requireAuth(c);
    c.header("Cache-Control", "private, no-store");
    return c.json(await loyaltySummary(c.env, principal.id), 200);
  },
);
