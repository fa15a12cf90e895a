import { createRoute } from "@hono/zod-openapi";
import { AdminProduct, ProductIdParam, VendorProductInput } from "../catalog/schema";
import { auditActor } from "../lib/audit";
import { assertIdempotencyKey } from "../lib/idempotency";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "../vendors";
import { AdjustStockBody, SkuParam, StockSchema } from "./schema";
import { adjustVendorStock, saveVendorProduct, vendorStockOf } from "./service/vendor";

const PRODUCT_TAGS = ["Vendor: products"];
const STOCK_TAGS = ["Vendor: stock"];
const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse('Not a member of an active vendor, or the member role has no "catalog" capability.'),
};
const json = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const product = { description: "The product as the editor shows it.", content: { "application/json": { schema: AdminProduct } } };
const stock = { description: "Stock of the SKU with its newest movements.", content: { "application/json": { schema: StockSchema } } };

/**
 * A seller's writes that touch stock, mounted on the `/api/vendor` sub-app: creating and editing their own
 * products (opening stock through the ledgers) and changing a SKU's stock. The same services as the staff
 * routes in routes-admin.ts, scoped to the caller's vendor; members need the "catalog" capability.
 */
export const vendorInventoryRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/products",
      tags: PRODUCT_TAGS,
      security: SIGNED_IN,
      summary: "Create a product of the caller's vendor with its variants (opening stock through the inventory ledgers)",
      request: { body: json(VendorProductInput) },
      responses: { 201: product, 400: problemResponse("Invalid fields, each named."), 409: problemResponse("Slug or SKU taken."), ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      return c.json(await saveVendorProduct(c.env, auditActor(c), vendorId, c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/products/{id}",
      tags: PRODUCT_TAGS,
      security: SIGNED_IN,
      summary: "Replace one of the vendor's products: fields, variants (matched by SKU), images and attributes",
      request: { params: ProductIdParam, body: json(VendorProductInput) },
      responses: {
        200: product,
        400: problemResponse("Invalid fields, each named."),
        404: problemResponse("No such product among the vendor's."),
        409: problemResponse("Slug or SKU taken, stale edit, or a removed variant still has stock."),
        ...denied,
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      return c.json(await saveVendorProduct(c.env, auditActor(c), vendorId, c.req.valid("json"), c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/inventory/{sku}",
      tags: STOCK_TAGS,
      security: SIGNED_IN,
      summary: "On hand, reserved and available of one of the vendor's SKUs, with its newest movements",
      request: { params: SkuParam },
      responses: { 200: stock, 404: problemResponse("No such SKU among the vendor's products."), ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      return c.json(await vendorStockOf(c.env, vendorId, c.req.valid("param").sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/inventory/{sku}/adjustments",
      tags: STOCK_TAGS,
      security: SIGNED_IN,
      summary: "Change on-hand stock of one of the vendor's SKUs with a reason, through its ledger; audited (send an Idempotency-Key to retry safely)",
      request: { params: SkuParam, body: json(AdjustStockBody) },
      responses: {
        200: stock,
        400: problemResponse("Invalid delta or reason."),
        404: problemResponse("No such SKU among the vendor's products."),
        409: problemResponse("Would leave less on hand than is reserved."),
        ...denied,
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      const key = c.req.header("idempotency-key");
      assertIdempotencyKey(key);
      const body = c.req.valid("json");
      return c.json(await adjustVendorStock(c.env, auditActor(c), vendorId, c.req.valid("param").sku, body.delta, body.reason, key), 200);
    },
  );
