import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requireAuth } from "../lib/auth";
import { AppError, problem } from "../lib/errors";
import { IMAGE_MAX_BYTES, SHOPPER_PHOTO_TYPES } from "../media";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import { accessOrder } from "../orders";
import {
  CreateReviewBody,
  GuestReviewBody,
  ListReviewsQuery,
  PhotoUpload,
  ReportResult,
  ReportReviewBody,
  ReviewLinkBody,
  ReviewLinkQuery,
  ReviewLinkView,
  ReviewPage,
  ReviewSchema,
  UpdateReviewBody,
  VoteResult,
} from "./schema";
import { createGuestReview } from "./service/guest";
import { openReviewLink, saveReviewByLink } from "./service/link";
import { listReviews } from "./service/read";
import { createReview, deleteReview, reportReview, updateReview, uploadReviewPhoto, voteHelpful } from "./service/write";

const SlugParam = z.object({
  slug: z
    .string()
    .max(160)
    .openapi({ param: { name: "slug", in: "path" } }),
});
const json = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });
const answer = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });
const TAGS = ["Reviews"];
const signedIn = {
  401: problemResponse("Not signed in."),
  404: problemResponse("No such product or review."),
  429: problemResponse("Too many writes; see Retry-After."),
};

const app = createApiApp();
// The photo upload is exempt from the API's JSON-only rule and 64 KiB limit (worker/api.ts): signed in
// first, then its own size limit, before the body is read.
app.use("/reviews/photos", async (c, next) => {
  requireAuth(c);
  await next();
});
app.use("/reviews/photos", bodyLimit({ maxSize: IMAGE_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "Photos may be at most 5 MiB.") }));

/** Product reviews: published reviews and their summary for everyone; writes, votes and reports for signed-in shoppers. */
export const reviewRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/products/{slug}/reviews",
      tags: TAGS,
      summary: "A product's published reviews (sort newest, helpful, rating_desc, rating_asc; `rating` keeps one star count) with the rating summary",
      request: { params: SlugParam, query: ListReviewsQuery },
      responses: { 200: answer("A page of published reviews.", ReviewPage), 400: problemResponse("Invalid query."), 404: problemResponse("No such product.") },
    }),
    async (c) => c.json(await listReviews(c.env, c.req.valid("param").slug, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/products/{slug}/reviews",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Review a product you received (a delivered order line); one review per product, published or held per the store's moderation setting",
      request: { params: SlugParam, ...json(CreateReviewBody) },
      responses: {
        201: answer("Written (status `published` or `pending`).", ReviewSchema),
        400: problemResponse("Invalid field (each named)."),
        403: problemResponse("No delivered order of this product (`reviews.not_eligible`)."),
        409: problemResponse("Already reviewed: edit that review (`reviews.already_reviewed`)."),
        ...signedIn,
      },
    }),
    async (c) => c.json(await createReview(c.env, requireAuth(c).principal, c.req.valid("param").slug, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/reviews/{id}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Edit your review (held for approval again under hold moderation)",
      request: { params: IdParam, ...json(UpdateReviewBody) },
      responses: { 200: answer("The review now.", ReviewSchema), 400: problemResponse("Invalid field (each named)."), ...signedIn },
    }),
    async (c) => c.json(await updateReview(c.env, requireAuth(c).principal, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/reviews/{id}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Delete your review",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted." }, ...signedIn },
    }),
    async (c) => {
      await deleteReview(c.env, requireAuth(c).principal, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/reviews/{id}/votes",
      tags: TAGS,
      security: SIGNED_IN,
      summary: 'Mark a published review "helpful" (one vote per shopper; sending it again changes nothing)',
      request: { params: IdParam },
      responses: { 200: answer("The review's helpful count.", VoteResult), 403: problemResponse("Your own review."), ...signedIn },
    }),
    async (c) => c.json(await voteHelpful(c.env, requireAuth(c).principal, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/reviews/{id}/reports",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Report a published review to the store's moderators (one open report per shopper)",
      request: { params: IdParam, ...json(ReportReviewBody) },
      responses: { 201: answer("Reported.", ReportResult), 400: problemResponse("Invalid field (each named)."), ...signedIn },
    }),
    async (c) => c.json(await reportReview(c.env, requireAuth(c).principal, c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/reviews/photos",
      tags: TAGS,
      security: SIGNED_IN,
      summary:
        "Upload a photo for your review (JPEG, PNG or WebP by its bytes, at most 5 MiB; metadata such as EXIF/GPS removed); put the answered path in `photos`",
      request: { body: { required: true, content: Object.fromEntries(SHOPPER_PHOTO_TYPES.map((type) => [type, { schema: z.string() }])) } },
      responses: {
        201: answer("Stored.", PhotoUpload),
        400: problemResponse("Empty."),
        413: problemResponse("Larger than 5 MiB."),
        415: problemResponse("Not a JPEG, PNG or WebP (checked from the bytes)."),
        401: problemResponse("Not signed in."),
        429: problemResponse("Too many uploads; see Retry-After."),
      },
    }),
    async (c) => {
      const declared = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (!SHOPPER_PHOTO_TYPES.includes(declared))
        throw new AppError("request.unsupported_media_type", 415, `Send the photo as ${SHOPPER_PHOTO_TYPES.join(", ")}.`, [
          { path: "content-type", message: "Not a supported photo type" },
        ]);
      return c.json(await uploadReviewPhoto(c.env, requireAuth(c).principal, await c.req.arrayBuffer()), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/reviews",
      tags: TAGS,
      summary: "A guest reviews a product of their delivered order, through the order's emailed link (`token`); shown as a verified purchase",
      request: {
        params: IdParam,
        query: z.object({ token: z.string().max(100).openapi({ description: "The token of the order's emailed link: the proof of purchase." }) }).strict(),
        ...json(GuestReviewBody),
      },
      responses: {
        201: answer("Written (status `published` or `pending`).", ReviewSchema),
        400: problemResponse("Invalid field (each named)."),
        403: problemResponse("Not a delivered product of this order (`reviews.not_eligible`), or an account's order (`reviews.sign_in`)."),
        404: problemResponse("No such order for this link, or no such product."),
        409: problemResponse("This product of the order is reviewed already (`reviews.already_reviewed`)."),
        429: problemResponse("Too many writes; see Retry-After."),
      },
    }),
    async (c) => {
      const access = await accessOrder(c.env, c.req.valid("param").id, { principal: null, token: c.req.valid("query").token });
      return c.json(await createGuestReview(c.env, access, c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/review-link",
      tags: TAGS,
      summary: "What a guest's review link opens: the product of its order line and the review it wrote before",
      request: { query: ReviewLinkQuery },
      responses: {
        200: answer("The product, the guest order's review of it (or null) and the link's expiry.", ReviewLinkView),
        403: problemResponse("Not delivered yet (`reviews.not_eligible`), or an account's order (`reviews.sign_in`)."),
        404: problemResponse("Not a link of this store (`reviews.link_not_found`), or the product is no longer sold."),
        410: problemResponse("The link has expired (`reviews.link_expired`)."),
      },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json(await openReviewLink(c.env, c.req.valid("query").token), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/review-link",
      tags: TAGS,
      summary: "A guest writes, or edits, the review of the product their review link names; shown as a verified purchase",
      request: { query: ReviewLinkQuery, ...json(ReviewLinkBody) },
      responses: {
        200: answer("Edited (status `published` or `pending`).", ReviewSchema),
        201: answer("Written (status `published` or `pending`).", ReviewSchema),
        400: problemResponse("Invalid field (each named)."),
        403: problemResponse("Not delivered yet (`reviews.not_eligible`), or an account's order (`reviews.sign_in`)."),
        404: problemResponse("Not a link of this store (`reviews.link_not_found`), or the product is no longer sold."),
        410: problemResponse("The link has expired (`reviews.link_expired`)."),
        429: problemResponse("Too many writes; see Retry-After."),
      },
    }),
    async (c) => {
      const { review, created } = await saveReviewByLink(c.env, c.req.valid("query").token, c.req.valid("json"));
      c.header("Cache-Control", "private, no-store");
      return created ? c.json(review, 201) : c.json(review, 200);
    },
  );
