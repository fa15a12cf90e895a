import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { AppError, problem } from "../lib/errors";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import {
  AdminCategory,
  AdminCategoryList,
  AdminListProductsQuery,
  AdminProduct,
  AdminProductPage,
  CategoryIdParam,
  CreateCategoryBody,
  ImportQuery,
  ImportResult,
  MoveCategoryBody,
  ProductIdParam,
  ReorderCategoriesBody,
  UpdateCategoryBody,
} from "./schema";
import { createCategory, deleteCategory, listAdminCategories, moveCategory, reorderCategories, updateCategory } from "./service/admin-categories";
import { CSV_COLUMNS, CSV_MAX_BYTES, exportProductsCsv, importProductsCsv } from "./service/admin-csv";
import { getAdminProduct, listAdminProducts } from "./service/admin-products";

/**
 * Products and categories take the "catalog" permission, checked before any validator runs, so staff
 * without it learn nothing from validation errors either.
 */
const adminOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  requirePermission(c, "catalog");
  await next();
};

const PRODUCT_TAGS = ["Admin: products"];
const CATEGORY_TAGS = ["Admin: categories"];
const security = SIGNED_IN;
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse('No "catalog" permission.') };
const product = { description: "The product as the editor shows it.", content: { "application/json": { schema: AdminProduct } } };
const list = { description: "Every category in tree order.", content: { "application/json": { schema: AdminCategoryList } } };
const one = { description: "The category.", content: { "application/json": { schema: AdminCategory } } };
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

const app = createApiApp();
for (const path of ["/products", "/products/*", "/categories", "/categories/*"]) app.use(path, adminOnly);
// The CSV body is exempt from the API's JSON-only rule and 64 KiB limit (worker/api.ts) and has its own.
app.use("/products/import", bodyLimit({ maxSize: CSV_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "The CSV file is larger than 2 MiB.") }));

/**
 * The catalog's staff API, mounted on the staff sub-app (paths are under /api/admin): products read
 * and exported or imported as CSV, and the category tree. Creating, editing and deleting products
 * touches stock, so those routes are inventory's (worker/inventory/routes-admin.ts).
 */
export const adminCatalogRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/products/export",
      tags: PRODUCT_TAGS,
      security,
      summary: "Every product and variant as CSV, one row per variant",
      description: `Columns: ${CSV_COLUMNS.join(", ")}. Money in minor units; attributes and options as \`name=value; name=value\`; images as URLs separated by \`|\`.`,
      responses: { 200: { description: "The CSV file.", content: { "text/csv": { schema: z.string() } } }, ...denied },
    }),
    async (c) => {
      const csv = exportProductsCsv(c.env);
      const day = new Date().toISOString().slice(0, 10);
      return c.body(csv, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="products-${day}.csv"`,
      });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/products/import",
      tags: PRODUCT_TAGS,
      security,
      summary: "Import products from CSV (the export's columns); a dry run (default) lists every row error, a real run writes all rows or none",
      description: `Send the file as \`text/csv\` (at most ${CSV_MAX_BYTES / 1024 / 1024} MiB). Products are matched by product_slug, variants by sku.`,
      request: { query: ImportQuery, body: { required: true, content: { "text/csv": { schema: z.string() } } } },
      responses: {
        200: {
          description: "Checked (and, unless a dry run, written). A dry run lists every row error here with `ok: false`.",
          content: { "application/json": { schema: ImportResult } },
        },
        400: problemResponse("A real run found row errors (`errors[].path` is `<row>.<column>`) and wrote nothing, or the query is invalid."),
        413: problemResponse("The file is too large."),
        415: problemResponse("Not text/csv."),
        ...denied,
      },
    }),
    async (c) => {
      if (!/^text\/csv(\s*;|$)/i.test(c.req.header("content-type") ?? ""))
        throw new AppError("request.unsupported_media_type", 415, "Send the file as text/csv.");
      const declared = Number(c.req.header("content-length") ?? 0);
      if (declared > CSV_MAX_BYTES) throw new AppError("request.too_large", 413, "The CSV file is larger than 2 MiB.");
      const bytes = await c.req.arrayBuffer();
      if (bytes.byteLength > CSV_MAX_BYTES) throw new AppError("request.too_large", 413, "The CSV file is larger than 2 MiB.");
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      const result = await importProductsCsv(c.env, auditActor(c), text, c.req.valid("query").dryRun);
      if (!result.ok && !result.dryRun)
        throw new AppError(
          "catalog.import_invalid",
          400,
          `Nothing was imported: ${result.errors.length} problem(s) in the file. Run a dry run to see them as a table.`,
          result.errors.map((e) => ({ path: `${e.row}.${e.column}`, message: e.message })),
        );
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/products",
      tags: PRODUCT_TAGS,
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
      return c.json(await listAdminProducts(c.env, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/products/{id}",
      tags: PRODUCT_TAGS,
      security,
      summary: "One product in any status",
      request: { params: ProductIdParam },
      responses: { 200: product, 404: problemResponse("No such product."), ...denied },
    }),
    async (c) => {
      return c.json(await getAdminProduct(c.env, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/categories",
      tags: CATEGORY_TAGS,
      security,
      summary: "The whole category tree, flat in tree order",
      responses: { 200: list, ...denied },
    }),
    async (c) => {
      return c.json({ items: await listAdminCategories(c.env) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/categories",
      tags: CATEGORY_TAGS,
      security,
      summary: "Create a category (last among its siblings)",
      request: { body: jsonBody(CreateCategoryBody) },
      responses: { 201: one, 400: problemResponse("Invalid fields."), 409: problemResponse("Slug taken."), ...denied },
    }),
    async (c) => c.json(await createCategory(c.env, auditActor(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/categories/reorder",
      tags: CATEGORY_TAGS,
      security,
      summary: "Set the order of one parent's children",
      request: { body: jsonBody(ReorderCategoriesBody) },
      responses: { 200: list, 400: problemResponse("Not exactly the parent's children."), ...denied },
    }),
    async (c) => c.json({ items: await reorderCategories(c.env, auditActor(c), c.req.valid("json")) }, 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/categories/{id}",
      tags: CATEGORY_TAGS,
      security,
      summary: "Rename a category (name, slug, description)",
      request: { params: CategoryIdParam, body: jsonBody(UpdateCategoryBody) },
      responses: {
        200: one,
        400: problemResponse("Invalid fields."),
        404: problemResponse("No such category."),
        409: problemResponse("Slug taken."),
        ...denied,
      },
    }),
    async (c) => c.json(await updateCategory(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/categories/{id}/move",
      tags: CATEGORY_TAGS,
      security,
      summary: "Move a category and its subtree under another parent (or to the root); cycles are refused",
      request: { params: CategoryIdParam, body: jsonBody(MoveCategoryBody) },
      responses: {
        200: list,
        400: problemResponse("Unknown parent."),
        404: problemResponse("No such category."),
        409: problemResponse("Would make a cycle."),
        ...denied,
      },
    }),
    async (c) => c.json({ items: await moveCategory(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/categories/{id}",
      tags: CATEGORY_TAGS,
      security,
      summary: "Delete an empty category (no subcategories, no products)",
      request: { params: CategoryIdParam },
      responses: { 204: { description: "Deleted." }, 404: problemResponse("No such category."), 409: problemResponse("Not empty."), ...denied },
    }),
    async (c) => {
      await deleteCategory(c.env, auditActor(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
