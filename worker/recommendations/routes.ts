import { createRoute } from "@hono/zod-openapi";
import { createApiApp, problemResponse } from "../lib/openapi";
import { PickedForYouQuery, ProductIdParam, ProductRecommendations, RecentlyViewedQuery, RecommendationList } from "./schema";
import { pickForShopper, recentlyViewedProducts, recommendForProduct } from "./service";

const TAGS = ["Recommendations"];
const json = <T>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });

/** Recommendations for shoppers: precomputed rows filtered for the caller (no self, nothing out of stock, nothing already bought). */
export const recommendationRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/recommendations/products/{id}",
      tags: TAGS,
      summary: "Frequently bought together and similar items for a product, without what the signed-in caller already bought",
      request: { params: ProductIdParam },
      responses: {
        200: json("Both sections (empty lists when there is nothing to show).", ProductRecommendations),
        400: problemResponse("Invalid product id."),
      },
    }),
    async (c) => {
      const userId = c.get("auth")?.principal.id ?? null;
      // A signed-in caller's answer depends on their orders: never in a shared cache.
      c.header("Cache-Control", userId ? "private, no-store" : "public, max-age=60");
      return c.json(await recommendForProduct(c.env, c.req.valid("param").id, { userId }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/recommendations/recently-viewed",
      tags: TAGS,
      summary: "The products behind the browser's recently-viewed list (kept on the device, sent only here)",
      request: { query: RecentlyViewedQuery },
      responses: { 200: json("The active ones, in the order given.", RecommendationList), 400: problemResponse("Invalid `ids` or `except`.") },
    }),
    async (c) => {
      const { ids, except } = c.req.valid("query");
      c.header("Cache-Control", "private, no-store");
      return c.json({ items: await recentlyViewedProducts(c.env, ids, except) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/recommendations/for-you",
      tags: TAGS,
      summary: "Picked for you: from the shopper's orders and wishlist when signed in, and from the recently viewed products sent",
      description:
        "Anyone may ask: a guest gets picks from the `viewed` ids alone (an empty list without them), so the home page never logs a failed request for a signed-out visitor.",
      request: { query: PickedForYouQuery },
      responses: {
        200: json("Up to eight products (empty when there is nothing to go on).", RecommendationList),
        400: problemResponse("Invalid `viewed`."),
      },
    }),
    async (c) => {
      const userId = c.get("auth")?.principal.id ?? null;
      // Built from what this browser sent (and, signed in, the shopper's orders): never in a shared cache.
      c.header("Cache-Control", "private, no-store");
      return c.json({ items: await pickForShopper(c.env, userId, c.req.valid("query").viewed ?? []) }, 200);
    },
  );
