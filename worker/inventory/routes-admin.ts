import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { AdminProduct, BulkProductsBody, BulkProductsResult, ProductIdParam, ProductInput } from "../catalog/schema";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { assertIdempotencyKey } from "../lib/idempotency";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AdjustStockBody, MovementPageSchema, MovementsQuery, SetThresholdBody, SkuListQuery, SkuListSchema, SkuParam, StockSchema } from "./schema";
import { adjustStockAudited, listMovements, listSkus, setLowStockThreshold } from "./service/admin-stock";
import { bulkUpdateProducts, saveProductWithStock } from "./service/products";
import { stockOf } from "./service/stock";

const INVENTORY_TAGS = ["Admin: inventory"];
const PRODUCT_TAGS = ["Admin: products"];
const stock = { description: "Stock of the SKU with its newest movements.", content: { "application/json": { schema: StockSchema } } };
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse('No "inventory" permission.'), 404: problemResponse("Unknown SKU.") };
const productDenied = { 401: problemResponse("Not signed in."), 403: problemResponse('No "catalog" permission.') };
const json = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const product = { description: "The product as the editor shows it.", content: { "application/json": { schema: AdminProduct } } };

/** Product writes take the "catalog" permission, checked before any validator runs. */
const adminOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  requirePermission(c, "catalog");
  await next();
};

const app = createApiApp();
// Role first, so a caller who may not use these routes learns nothing from validation errors.
for (const path of ["/products", "/products/*"]) app.use(path, adminOnly);

/**
 * The staff API of stock (admin-only: support staff see orders, customers and emails), and the
 * product writes that touch stock (create with opening stock, edit, bulk status or delete). Mounted
 * on the staff sub-app: paths are under /api/admin.
 */
export const adminInventoryRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/inventory",
      tags: INVENTORY_TAGS,
      security: SIGNED_IN,
      summary: "SKUs with available stock and threshold, searchable, with a low-stock filter (inventory permission)",
      request: { query: SkuListQuery },
      responses: {
        200: { description: "A page of SKUs.", content: { "application/json": { schema: SkuListSchema } } },
        400: problemResponse("Invalid filter."),
        401: denied[401],
        403: denied[403],
      },
    }),
    async (c) => {
      requirePermission(c, "inventory");
      return c.json(await listSkus(c.env, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/inventory/{sku}",
      tags: INVENTORY_TAGS,
      security: SIGNED_IN,
      summary: "On hand, reserved and available, with movements (inventory permission)",
      request: { params: SkuParam },
      responses: { 200: stock, ...denied },
    }),
    async (c) => {
      requirePermission(c, "inventory");
      return c.json(await stockOf(c.env, c.req.valid("param").sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/inventory/{sku}/movements",
      tags: INVENTORY_TAGS,
      security: SIGNED_IN,
      summary: "The SKU's whole movement history, newest first, paged (inventory permission)",
      request: { params: SkuParam, query: MovementsQuery },
      responses: {
        200: { description: "A page of movements.", content: { "application/json": { schema: MovementPageSchema } } },
        400: problemResponse("Invalid paging."),
        ...denied,
      },
    }),
    async (c) => {
      requirePermission(c, "inventory");
      const { page, perPage } = c.req.valid("query");
      return c.json(await listMovements(c.env, c.req.valid("param").sku, page, perPage), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/inventory/{sku}/adjustments",
      tags: INVENTORY_TAGS,
      security: SIGNED_IN,
      summary: "Change on-hand stock with a reason, through the SKU's ledger; audited (send an Idempotency-Key to retry safely)",
      request: { params: SkuParam, body: json(AdjustStockBody) },
      responses: {
        200: stock,
        400: problemResponse("Invalid delta or reason."),
        409: problemResponse("Would leave less on hand than is reserved."),
        ...denied,
      },
    }),
    async (c) => {
      requirePermission(c, "inventory");
      const key = c.req.header("idempotency-key");
      assertIdempotencyKey(key);
      const body = c.req.valid("json");
      return c.json(await adjustStockAudited(c.env, auditActor(c), c.req.valid("param").sku, body.delta, body.reason, key), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/inventory/{sku}/threshold",
      tags: INVENTORY_TAGS,
      security: SIGNED_IN,
      summary: "Set the SKU's low-stock threshold (inventory permission); audited",
      request: { params: SkuParam, body: json(SetThresholdBody) },
      responses: { 200: stock, 400: problemResponse("Invalid threshold."), ...denied },
    }),
    async (c) => {
      requirePermission(c, "inventory");
      const body = c.req.valid("json");
      return c.json(await setLowStockThreshold(c.env, auditActor(c), c.req.valid("param").sku, body.lowStockThreshold), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/products/bulk",
      tags: PRODUCT_TAGS,
      security: SIGNED_IN,
      summary: "Set the status of, or delete, several products (deleting refuses ordered products and ones with stock)",
      request: { body: json(BulkProductsBody) },
      responses: {
        200: { description: "What was done and what was skipped, with why.", content: { "application/json": { schema: BulkProductsResult } } },
        400: problemResponse("Invalid."),
        ...productDenied,
      },
    }),
    async (c) => c.json(await bulkUpdateProducts(c.env, auditActor(c), c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/products",
      tags: PRODUCT_TAGS,
      security: SIGNED_IN,
      summary: "Create a product with its variants (opening stock through the inventory ledgers)",
      request: { body: json(ProductInput) },
      responses: { 201: product, 400: problemResponse("Invalid fields, each named."), 409: problemResponse("Slug or SKU taken."), ...productDenied },
    }),
    async (c) => c.json(await saveProductWithStock(c.env, auditActor(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/products/{id}",
      tags: PRODUCT_TAGS,
      security: SIGNED_IN,
      summary: "Replace a product's fields, variants (matched by SKU), images and attributes",
      request: { params: ProductIdParam, body: json(ProductInput) },
      responses: {
        200: product,
        400: problemResponse("Invalid fields, each named."),
        404: problemResponse("No such product."),
        409: problemResponse("Slug or SKU taken, stale edit, or a removed variant still has stock."),
        ...productDenied,
      },
    }),
    async (c) => c.json(await saveProductWithStock(c.env, auditActor(c), c.req.valid("json"), c.req.valid("param").id), 200),
  );
