import { createRoute } from "@hono/zod-openapi";
import { getDb } from "../db/client";
import { createApiApp, problemResponse, validationHook } from "../lib/openapi";
import { CategoryTree, ListProductsQuery, ProductDetail, ProductPage, SlugParam, unknownProductQueryKeys } from "./schema";
import { getProductBySlug, listCategoryTree, listProducts } from "./service";

/** Catalog answers may be reused briefly by browsers and shared caches, then revalidated. */
export const CATALOG_CACHE_CONTROL = "public, max-age=30, s-maxage=60, stale-while-revalidate=300";

const listCategoriesRoute = createRoute({
  method: "get",
  path: "/categories",
  tags: ["Catalog"],
  summary: "The category tree with product counts",
  responses: { 200: { description: "Root categories, each with its children.", content: { "application/json": { schema: CategoryTree } } } },
});

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

const getProductRoute = createRoute({
  method: "get",
  path: "/products/{slug}",
  tags: ["Catalog"],
  summary: "One product with variants, images and attributes",
  request: { params: SlugParam },
  responses: {
    200: { description: "The product.", content: { "application/json": { schema: ProductDetail } } },
    400: problemResponse("The slug is malformed."),
    404: problemResponse("No active product has this slug."),
  },
});

export const catalogRoutes = createApiApp()
  .openapi(listCategoriesRoute, async (c) => {
    const items = await listCategoryTree(getDb(c.env.DB));
    c.header("Cache-Control", CATALOG_CACHE_CONTROL);
    return c.json({ items }, 200);
  })
  .openapi(
    listProductsRoute,
    async (c) => {
      const page = await listProducts(getDb(c.env.DB), c.req.valid("query"));
      c.header("Cache-Control", CATALOG_CACHE_CONTROL);
      return c.json(page, 200);
    },
    validationHook(unknownProductQueryKeys),
  )
  .openapi(getProductRoute, async (c) => {
    const product = await getProductBySlug(getDb(c.env.DB), c.req.valid("param").slug);
    c.header("Cache-Control", CATALOG_CACHE_CONTROL);
    return c.json(product, 200);
  });
