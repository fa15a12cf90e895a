import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "../vendors";
import { ReplyBody, VendorReview, VendorReviewPage, VendorReviewsQuery } from "./schema";
import { listVendorReviews, replyAsVendor } from "./service/vendor";

const TAGS = ["Vendor: reviews"];
const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse("Not a member of an active vendor, or the member role may not do this."),
};

/**
 * Reviews of the vendor's own products under /api/vendor: read them, and answer each once in public.
 * There is no route to hide, edit or reject a review: that stays with the store's staff.
 */
export const vendorReviewRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/reviews",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Published reviews of the vendor's products, newest first",
      request: { query: VendorReviewsQuery },
      responses: {
        200: { description: "A page of reviews.", content: { "application/json": { schema: VendorReviewPage } } },
        400: problemResponse("Invalid query."),
        ...denied,
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      return c.json(await listVendorReviews(c.env, vendorId, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/reviews/{id}/reply",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Reply in public under a review of the vendor's product, once (a reply cannot be changed)",
      request: { params: IdParam, body: { required: true, content: { "application/json": { schema: ReplyBody } } } },
      responses: {
        201: { description: "The review with its reply.", content: { "application/json": { schema: VendorReview } } },
        400: problemResponse("Invalid field (each named)."),
        ...denied,
        404: problemResponse("No published review of this vendor's products has this id."),
        409: problemResponse("The review has a reply already (`reviews.already_replied`)."),
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "catalog");
      return c.json(await replyAsVendor(c.env, vendorId, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 201);
    },
  );
