import { createRoute } from "@hono/zod-openapi";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "../vendors";
import { VendorReturnPage, VendorReturnQuery, VendorReturnView } from "./schema";
import { listVendorReturns, vendorReturnDetail } from "./service/vendor";

const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse("Not a member of an active vendor, or the member role may not see orders."),
};

/** A seller's returns: those of its own order lines, read-only (the store handles the return itself). */
export const vendorReturnRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/returns",
      tags: ["Vendor: orders"],
      security: SIGNED_IN,
      summary: "Returns that include the vendor's order lines (its lines only), newest first",
      request: { query: VendorReturnQuery },
      responses: {
        200: { description: "A page of returns.", content: { "application/json": { schema: VendorReturnPage } } },
        400: problemResponse("Invalid filter."),
        ...denied,
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "orders");
      return c.json(await listVendorReturns(c.env, vendorId, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/returns/{id}",
      tags: ["Vendor: orders"],
      security: SIGNED_IN,
      summary: "One return as the vendor sees it: its own lines, their reasons and inspection",
      request: { params: IdParam },
      responses: {
        200: { description: "The return.", content: { "application/json": { schema: VendorReturnView } } },
        ...denied,
        404: problemResponse("No such return of this vendor's items."),
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "orders");
      return c.json(await vendorReturnDetail(c.env, vendorId, c.req.valid("param").id), 200);
    },
  );
