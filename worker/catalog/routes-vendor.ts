import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { auditActor } from "../lib/audit";
import { AppError, problem } from "../lib/errors";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { IMAGE_MAX_BYTES, UPLOAD_TYPES } from "../media";
import { requireVendor } from "../vendors";
import { AdminProduct, AdminProductPage, ProductIdParam, VendorListProductsQuery } from "./schema";
import { addVendorProductImage, getVendorProduct, listVendorProducts, PRODUCT_IMAGES_MAX } from "./service/vendor-products";

const TAGS = ["Vendor: products"];
const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse('Not a member of an active vendor, or the member role has no "catalog" capability.'),
};

const app = createApiApp();
// A picture upload: the member and capability are checked before the body is read; the body is exempt from the
// API's JSON-only rule and 64 KiB limit (worker/api.ts) and has the staff upload's own limit.
app.use("/products/:id/images", async (c, next) => {
  await requireVendor(c, "catalog");
  await next();
});
app.use("/products/:id/images", bodyLimit({ maxSize: IMAGE_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "Images may be at most 5 MiB.") }));

const ImageAltQuery = z
  .object({
    alt: z
      .string({ error: "Describe the picture" })
      .trim()
      .min(1, "Describe the picture for shoppers who cannot see it")
      .max(200, "At most 200 characters")
      .openapi({ description: "What the picture shows, read to shoppers who cannot see it (required)." }),
  })
  .strict();

/**
 * A seller's own products (members with the "catalog" capability), mounted on the `/api/vendor` sub-app.
 * Every read is scoped to the caller's vendor; writes that touch stock are inventory's
 * (worker/inventory/routes-vendor.ts), as on the staff side.
 */
export const vendorCatalogRoutes = app
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
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/products/{id}/images",
      tags: TAGS,
      security: SIGNED_IN,
      summary: `Upload a picture of one of the vendor's products (PNG, JPEG, GIF, WebP or AVIF by its bytes, at most 5 MiB, never SVG) with its description in \`alt\`; it becomes the product's last picture (at most ${PRODUCT_IMAGES_MAX})`,
      request: {
        params: ProductIdParam,
        query: ImageAltQuery,
        body: { required: true, content: Object.fromEntries(UPLOAD_TYPES.map((type) => [type, { schema: z.string() }])) },
      },
      responses: {
        201: { description: "The product with the new picture.", content: { "application/json": { schema: AdminProduct } } },
        400: problemResponse("No description (`alt`), or an empty file."),
        404: problemResponse("No such product among the vendor's."),
        409: problemResponse(`The product has ${PRODUCT_IMAGES_MAX} pictures already.`),
        413: problemResponse("Larger than 5 MiB."),
        415: problemResponse("Not a PNG, JPEG, GIF, WebP or AVIF (checked from the bytes), or sent with another content type."),
        ...denied,
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      const declared = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (!UPLOAD_TYPES.includes(declared))
        throw new AppError("request.unsupported_media_type", 415, `Send the picture as ${UPLOAD_TYPES.join(", ")}.`, [
          { path: "content-type", message: "Not a supported picture type (SVG is never accepted)" },
        ]);
      const { id } = c.req.valid("param");
      const { alt } = c.req.valid("query");
      return c.json(await addVendorProductImage(c.env, auditActor(c), vendorId, id, await c.req.arrayBuffer(), alt), 201);
    },
  );
