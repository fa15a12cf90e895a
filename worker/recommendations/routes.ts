import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
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
      security: SIGNED_IN,
      summary: "Picked for you: from the signed-in shopper's orders, wishlist and recently viewed products",
      request: { query: PickedForYouQuery },
      responses: {
        200: json("Up to eight products (empty when there is nothing to go on).", RecommendationList),
        400: problemResponse("Invalid `viewed`."),
        401: problemResponse("Not signed in."),
      },
    }),
    async (c) => {
      const { principal } = requireAuth(c);
      c.header("Cache-Control", "private, no-store");
      return c.json({ items: await pickForShopper(c.env, principal.id, c.req.valid("query").viewed ?? []) }, 200);
    },
  );
