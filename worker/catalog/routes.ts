import { createRoute } from "@hono/zod-openapi";
import { createApiApp, problemResponse } from "../lib/openapi";
import { CATALOG_CACHE_CONTROL } from "./cache";
import { CategoryTree, ProductDetail, SlugParam } from "./schema";
import { getProductBySlug, listCategoryTree } from "./service/storefront";

const listCategoriesRoute = createRoute({
  method: "get",
  path: "/categories",
  tags: ["Catalog"],
  summary: "The category tree with product counts",
  responses: { 200: { description: "Root categories, each with its children.", content: { "application/json": { schema: CategoryTree } } } },
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

/** The storefront's catalog reads (the product listing and search live in the search domain). */
export const catalogRoutes = createApiApp()
  .openapi(listCategoriesRoute, async (c) => {
    const items = await listCategoryTree(c.env);
    c.header("Cache-Control", CATALOG_CACHE_CONTROL);
    return c.json({ items }, 200);
  })
  .openapi(getProductRoute, async (c) => {
    const product = await getProductBySlug(c.env, c.req.valid("param").slug);
    c.header("Cache-Control", CATALOG_CACHE_CONTROL);
    return c.json(product, 200);
  });
