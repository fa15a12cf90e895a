import { createRoute } from "@hono/zod-openapi";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "../vendors";
import { actors } from "./actor";
import { ShipVendorOrderBody, VendorOrderPage, VendorOrderQuery, VendorOrderView } from "./schema";
import { listVendorOrders, shipVendorOrder, vendorOrderDetail } from "./service/vendor-orders";

const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse("Not a member of an active vendor, or the member role may not do this."),
};

/** A vendor's own parts of marketplace orders: list, read and ship. Every query is scoped to the caller's vendor. */
export const vendorOrderRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/orders",
      tags: ["Vendor: orders"],
      security: SIGNED_IN,
      summary: "The vendor's paid orders (its own lines only), newest first",
      request: { query: VendorOrderQuery },
      responses: { 200: { description: "A page of vendor orders.", content: { "application/json": { schema: VendorOrderPage } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "orders");
      return c.json(await listVendorOrders(c.env, vendorId, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/orders/{id}",
      tags: ["Vendor: orders"],
      security: SIGNED_IN,
      summary: "One vendor order: its lines, parcel and the shipping name and address",
      request: { params: IdParam },
      responses: {
        200: { description: "The vendor order.", content: { "application/json": { schema: VendorOrderView } } },
        ...denied,
        404: problemResponse("No such order of this vendor."),
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "orders");
      return c.json(await vendorOrderDetail(c.env, vendorId, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/shipments",
      tags: ["Vendor: orders"],
      security: SIGNED_IN,
      summary: "Ship the vendor's part of an order in one parcel with carrier and tracking",
      request: { params: IdParam, body: { required: true, content: { "application/json": { schema: ShipVendorOrderBody } } } },
      responses: {
        200: { description: "Shipped.", content: { "application/json": { schema: VendorOrderView } } },
        400: problemResponse("Invalid field."),
        ...denied,
        404: problemResponse("No such order of this vendor."),
        409: problemResponse("Already shipped, cancelled, or the tracking number is already used."),
      },
    }),
    async (c) => {
      const { vendorId, auth } = await requireVendor(c, "orders");
      const body = c.req.valid("json");
      const detail = await shipVendorOrder(c.env, vendorId, c.req.valid("param").id, body, {
        actor: actors.vendor(vendorId, auth.principal.id),
        origin: new URL(c.req.url).origin,
      });
      return c.json(detail, 200);
    },
  );
