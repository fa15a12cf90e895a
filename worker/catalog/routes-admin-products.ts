import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { getDb } from "../db/client";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AdminListProductsQuery, AdminProduct, AdminProductPage, BulkProductsBody, BulkProductsResult, ProductIdParam, ProductInput } from "./admin-schema";
import { adminOnly } from "./routes-admin-categories";
import { bulkUpdateProducts, saveProduct } from "./service/admin-product-write";
import { getAdminProduct, listAdminProducts } from "./service/admin-products";

const TAGS = ["Admin: products"];
const security = SIGNED_IN;
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not an admin.") };
const product = { description: "The product as the editor shows it.", content: { "application/json": { schema: AdminProduct } } };
const body = { required: true, content: { "application/json": { schema: ProductInput } } };
const NO_STORE = "private, no-store";

const app = createApiApp();
// Role first, so a caller who may not use these routes learns nothing from validation errors.
app.use("/admin/products", adminOnly);
app.use("/admin/products/*", adminOnly);

export const adminProductRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/products",
      tags: TAGS,
      security,
      summary: "Every product in any status, searched (name, slug, SKU), filtered and paged",
      request: { query: AdminListProductsQuery },
      responses: {
        200: { description: "One page of products.", content: { "application/json": { schema: AdminProductPage } } },
        400: problemResponse("Bad filter."),
        ...denied,
      },
    }),
    async (c) => {
      requireRole(c, "admin");
      c.header("Cache-Control", NO_STORE);
      return c.json(await listAdminProducts(getDb(c.env.DB), c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/products/bulk",
      tags: TAGS,
      security,
      summary: "Set the status of, or delete, several products (deleting refuses ordered products and ones with stock)",
      request: { body: { required: true, content: { "application/json": { schema: BulkProductsBody } } } },
      responses: {
        200: { description: "What was done and what was skipped, with why.", content: { "application/json": { schema: BulkProductsResult } } },
        400: problemResponse("Invalid."),
        ...denied,
      },
    }),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await bulkUpdateProducts(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/products",
      tags: TAGS,
      security,
      summary: "Create a product with its variants (opening stock through the inventory ledgers)",
      request: { body },
      responses: { 201: product, 400: problemResponse("Invalid fields, each named."), 409: problemResponse("Slug or SKU taken."), ...denied },
    }),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await saveProduct(c.env, auditActor(c), c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/products/{id}",
      tags: TAGS,
      security,
      summary: "One product in any status",
      request: { params: ProductIdParam },
      responses: { 200: product, 404: problemResponse("No such product."), ...denied },
    }),
    async (c) => {
      requireRole(c, "admin");
      c.header("Cache-Control", NO_STORE);
      return c.json(await getAdminProduct(getDb(c.env.DB), c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/admin/products/{id}",
      tags: TAGS,
      security,
      summary: "Replace a product's fields, variants (matched by SKU), images and attributes",
      request: { params: ProductIdParam, body },
      responses: {
        200: product,
        400: problemResponse("Invalid fields, each named."),
        404: problemResponse("No such product."),
        409: problemResponse("Slug or SKU taken, stale edit, or a removed variant still has stock."),
        ...denied,
      },
    }),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await saveProduct(c.env, auditActor(c), c.req.valid("json"), c.req.valid("param").id), 200);
    },
  );
