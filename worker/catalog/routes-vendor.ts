import { createRoute } from "@hono/zod-openapi";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "../vendors";
import { AdminProduct, AdminProductPage, ProductIdParam, VendorListProductsQuery } from "./schema";
import { getVendorProduct, listVendorProducts } from "./service/vendor-products";

const TAGS = ["Vendor: products"];
const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse('Not a member of an active vendor, or the member role has no "catalog" capability.'),
};

/**
 * A seller's own products (members with the "catalog" capability), mounted on the `/api/vendor` sub-app.
 * Every read is scoped to the caller's vendor; writes that touch stock are inventory's
 * (worker/inventory/routes-vendor.ts), as on the staff side.
 */
export const vendorCatalogRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/products",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "The caller's vendor's products in any status, searched (name, slug, SKU), filtered and paged",
      request: { query: VendorListProductsQuery },
      responses: {
        200: { description: "One page of the vendor's products.", content: { "application/json": { schema: AdminProductPage } } },
        400: problemResponse("Bad filter."),
        ...denied,
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      return c.json(await listVendorProducts(c.env, vendorId, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/products/{id}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "One of the vendor's products in any status (another seller's product is not found)",
      request: { params: ProductIdParam },
      responses: {
        200: { description: "The product as the editor shows it.", content: { "application/json": { schema: AdminProduct } } },
        404: problemResponse("No such product among the vendor's."),
        ...denied,
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      return c.json(await getVendorProduct(c.env, vendorId, c.req.valid("param").id), 200);
    },
  );
