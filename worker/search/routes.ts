import { createRoute } from "@hono/zod-openapi";
import { CATALOG_CACHE_CONTROL } from "../catalog";
import { createApiApp, problemResponse, validationHook } from "../lib/openapi";
import { ListProductsQuery, ProductPage, SuggestQuery, SuggestResponse, unknownProductQueryKeys } from "./schema";
import { listProducts, suggest } from "./service/search";

const listProductsRoute = createRoute({
  method: "get",
  path: "/products",
  tags: ["Catalog"],
  summary: "Search, browse and filter active products, with facet counts",
  description:
    "Full-text search with `q` (relevance-ranked; prefixes, case and accents handled; a close spelling is tried when nothing matches). Filters combine freely: `category` (with subcategories), `brand`, `vendor`, `minPrice`, `maxPrice`, `rating`, `inStock`, `attr.<name>=v1,v2`. Sort with `sort`. `facets` counts, for every filter, its values under the query and all the OTHER filters.",
  request: { query: ListProductsQuery },
  responses: {
    200: { description: "One page of products with facet counts.", content: { "application/json": { schema: ProductPage } } },
    400: problemResponse("Invalid filter, sort or paging parameter."),
  },
});

const suggestRoute = createRoute({
  method: "get",
  path: "/search/suggest",
  tags: ["Search"],
  summary: "Autocomplete: products, categories and brands for what has been typed",
  description:
    "Asked on every keystroke. The last word is a prefix; products are suggested from three letters on (categories and brands from the first). Case and accents are ignored.",
  request: { query: SuggestQuery },
  responses: {
    200: { description: "Suggestions, best first.", content: { "application/json": { schema: SuggestResponse } } },
    400: problemResponse("`q` is missing, empty or longer than 100 characters, or `limit` is out of range."),
  },
});

/** The storefront's product listing (browse and text search, with facets) and autocomplete. */
export const searchRoutes = createApiApp()
  .openapi(
    listProductsRoute,
    async (c) => {
      const page = await listProducts(c.env, c.req.valid("query"));
      c.header("Cache-Control", CATALOG_CACHE_CONTROL);
      return c.json(page, 200);
    },
    validationHook(unknownProductQueryKeys),
  )
  .openapi(suggestRoute, async (c) => {
    const answer = await suggest(c.env, c.req.valid("query"));
    c.header("Cache-Control", CATALOG_CACHE_CONTROL);
    return c.json(answer, 200);
  });
