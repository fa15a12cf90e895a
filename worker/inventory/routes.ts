import { createRoute } from "@hono/zod-openapi";
import { assertIdempotencyKey } from "../checkout/idempotency";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AdjustStockBody, SkuParam, StockSchema } from "./schema";
import { adjustStock, stockOf } from "./service";

const TAGS = ["Admin: inventory"];
const stock = { description: "Stock of the SKU with its newest movements.", content: { "application/json": { schema: StockSchema } } };
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not an admin."), 404: problemResponse("Unknown SKU.") };

export const inventoryRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/inventory/{sku}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "On hand, reserved and available, with movements",
      request: { params: SkuParam },
      responses: { 200: stock, ...denied },
    }),
    async (c) => {
      requireRole(c, "admin", "support");
      c.header("Cache-Control", "private, no-store");
      return c.json(await stockOf(c.env, c.req.valid("param").sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/inventory/{sku}/adjustments",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Change on-hand stock with a reason, through the SKU's ledger (send an Idempotency-Key to retry safely)",
      request: { params: SkuParam, body: { required: true, content: { "application/json": { schema: AdjustStockBody } } } },
      responses: {
        200: stock,
        400: problemResponse("Invalid delta or reason."),
        409: problemResponse("Would leave less on hand than is reserved."),
        ...denied,
      },
    }),
    async (c) => {
      const { user } = requireRole(c, "admin");
      const key = c.req.header("idempotency-key");
      assertIdempotencyKey(key);
      const body = c.req.valid("json");
      return c.json(await adjustStock(c.env, c.req.valid("param").sku, body.delta, `${body.reason} (by ${user.email})`, key), 200);
    },
  );
