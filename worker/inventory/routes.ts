import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { assertIdempotencyKey } from "../lib/idempotency";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AdjustStockBody, MovementPageSchema, MovementsQuery, SetThresholdBody, SkuListQuery, SkuListSchema, SkuParam, StockSchema } from "./schema";
import { assertKnownSku, stockOf } from "./service";
import { adjustStockAudited, listMovements, listSkus, setLowStockThreshold } from "./service/admin";

const TAGS = ["Admin: inventory"];
const stock = { description: "Stock of the SKU with its newest movements.", content: { "application/json": { schema: StockSchema } } };
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not an admin."), 404: problemResponse("Unknown SKU.") };
const json = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

/** Inventory is admin-only (support staff see orders, customers and emails). */
export const inventoryRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/inventory",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "SKUs with available stock and threshold, searchable, with a low-stock filter (admin)",
      request: { query: SkuListQuery },
      responses: {
        200: { description: "A page of SKUs.", content: { "application/json": { schema: SkuListSchema } } },
        400: problemResponse("Invalid filter."),
        401: denied[401],
        403: denied[403],
      },
    }),
    async (c) => {
      requireRole(c, "admin");
      c.header("Cache-Control", "private, no-store");
      return c.json(await listSkus(c.env.DB, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/inventory/{sku}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "On hand, reserved and available, with movements (admin)",
      request: { params: SkuParam },
      responses: { 200: stock, ...denied },
    }),
    async (c) => {
      requireRole(c, "admin");
      c.header("Cache-Control", "private, no-store");
      return c.json(await stockOf(c.env, c.req.valid("param").sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/inventory/{sku}/movements",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "The SKU's whole movement history, newest first, paged (admin)",
      request: { params: SkuParam, query: MovementsQuery },
      responses: {
        200: { description: "A page of movements.", content: { "application/json": { schema: MovementPageSchema } } },
        400: problemResponse("Invalid paging."),
        ...denied,
      },
    }),
    async (c) => {
      requireRole(c, "admin");
      c.header("Cache-Control", "private, no-store");
      const { sku } = c.req.valid("param");
      await assertKnownSku(c.env, sku);
      const { page, perPage } = c.req.valid("query");
      return c.json(await listMovements(c.env.DB, sku, page, perPage), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/inventory/{sku}/adjustments",
      tags: TAGS,
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
      requireRole(c, "admin");
      const key = c.req.header("idempotency-key");
      assertIdempotencyKey(key);
      const body = c.req.valid("json");
      return c.json(await adjustStockAudited(c.env, auditActor(c), c.req.valid("param").sku, body.delta, body.reason, key), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/admin/inventory/{sku}/threshold",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Set the SKU's low-stock threshold (admin); audited",
      request: { params: SkuParam, body: json(SetThresholdBody) },
      responses: { 200: stock, 400: problemResponse("Invalid threshold."), ...denied },
    }),
    async (c) => {
      requireRole(c, "admin");
      const body = c.req.valid("json");
      return c.json(await setLowStockThreshold(c.env, auditActor(c), c.req.valid("param").sku, body.lowStockThreshold), 200);
    },
  );
