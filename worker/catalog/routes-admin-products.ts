import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { auditActor } from "../admin/audit";
import { getDb } from "../db/client";
import { requireRole } from "../lib/auth";
import { AppError, problem } from "../lib/errors";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import {
  AdminListProductsQuery,
  AdminProduct,
  AdminProductPage,
  BulkProductsBody,
  BulkProductsResult,
  ImportQuery,
  ImportResult,
  ProductIdParam,
  ProductInput,
} from "./admin-schema";
import { CSV_COLUMNS, CSV_MAX_BYTES, exportProductsCsv, importProductsCsv } from "./service/admin-csv";
import { bulkUpdateProducts, saveProduct } from "./service/admin-product-write";
import { getAdminProduct, listAdminProducts } from "./service/admin-products";
import { adminOnly } from "./routes-admin-categories";

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
// The CSV import is exempt from the API's 64 KiB JSON limit (worker/api.ts) and has its own.
app.use(
  "/admin/products/import",
  bodyLimit({ maxSize: CSV_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "The CSV file is larger than 2 MiB.") }),
);

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
      method: "get",
      path: "/admin/products/export",
      tags: TAGS,
      security,
      summary: "Every product and variant as CSV, one row per variant",
      description: `Columns: ${CSV_COLUMNS.join(", ")}. Money in minor units; attributes and options as \`name=value; name=value\`; images as URLs separated by \`|\`.`,
      responses: { 200: { description: "The CSV file.", content: { "text/csv": { schema: z.string() } } }, ...denied },
    }),
    async (c) => {
      requireRole(c, "admin");
      const csv = await exportProductsCsv(c.env);
      const day = new Date().toISOString().slice(0, 10);
      return c.body(csv, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="products-${day}.csv"`,
        "Cache-Control": NO_STORE,
      });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/products/import",
      tags: TAGS,
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
      requireRole(c, "admin");
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
