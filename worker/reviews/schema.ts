import { z } from "@hono/zod-openapi";
import { PaginationQuery } from "../lib/openapi";
import { MODERATION_MODES, REPORT_REASONS, REVIEW_STATUSES } from "./tables";

/** Where a review photo lives once uploaded: a content-addressed picture of the media bucket. */
export const REVIEW_PHOTO_PATH = /^\/media\/uploads\/[0-9a-f]{64}\.(png|jpg|gif|webp|avif)$/;
export const MAX_REVIEW_PHOTOS = 4;

const rating = z.coerce
  .number({ error: "Choose 1 to 5 stars" })
  .int("Choose 1 to 5 stars")
  .min(1, "Choose 1 to 5 stars")
  .max(5, "Choose 1 to 5 stars")
  .openapi({ type: "integer", minimum: 1, maximum: 5, example: 5 });
const title = z.string().trim().min(2, "Give your review a title").max(120, "At most 120 characters");
const body = z.string().trim().min(10, "Write at least 10 characters").max(5000, "At most 5,000 characters");
const photos = z
  .array(z.string().regex(REVIEW_PHOTO_PATH, "Upload the photo first (a /media/uploads/ path)"))
  .max(MAX_REVIEW_PHOTOS, `At most ${MAX_REVIEW_PHOTOS} photos`)
  .openapi({ description: "Paths answered by `POST /api/reviews/photos`, at most 4." });

export const CreateReviewBody = z
  .object({ rating, title, body, photos: photos.default([]) })
  .strict()
  .openapi("CreateReviewBody");
export type CreateReviewBody = z.infer<typeof CreateReviewBody>;

/**
 * A guest's review through the order's emailed link: the product (a delivered line of that order), the
 * name to show, and the review itself. No photos: uploads need an account.
 */
export const GuestReviewBody = z
  .object({
    productSlug: z.string().regex(/^[a-z0-9-]{1,160}$/, "Expected a product slug"),
    name: z.string().trim().min(1, "Give the name to show with your review").max(60, "At most 60 characters"),
    rating,
    title,
    body,
  })
  .strict()
  .openapi("GuestReviewBody");
export type GuestReviewBody = z.infer<typeof GuestReviewBody>;

/** A guest's review through the review link of their email: the link names the product, so the body does not. */
export const ReviewLinkBody = z.object({ name: GuestReviewBody.shape.name, rating, title, body }).strict().openapi("ReviewLinkBody");
export type ReviewLinkBody = z.infer<typeof ReviewLinkBody>;

export const ReviewLinkQuery = z
  .object({
    token: z
      .string()
      .max(200)
      .openapi({ description: "The token of the review link in a guest's review-request email: one order line, signed, with an expiry." }),
  })
  .strict();

export const UpdateReviewBody = z
  .object({ rating: rating.optional(), title: title.optional(), body: body.optional(), photos: photos.optional() })
  .strict()
  .openapi("UpdateReviewBody");
export type UpdateReviewBody = z.infer<typeof UpdateReviewBody>;

export const ReportReason = z.enum(REPORT_REASONS);
export const ReportReviewBody = z
  .object({ reason: ReportReason, note: z.string().trim().max(500, "At most 500 characters").optional() })
  .strict()
  .openapi("ReportReviewBody");
export type ReportReviewBody = z.infer<typeof ReportReviewBody>;

export const REVIEW_SORTS = ["newest", "helpful", "rating_desc", "rating_asc"] as const;
export const ReviewSort = z.enum(REVIEW_SORTS);
export type ReviewSort = z.infer<typeof ReviewSort>;

export const ListReviewsQuery = z
  .object({
    sort: ReviewSort.default("newest"),
    rating: z.coerce.number().int().min(1).max(5).optional().openapi({ type: "integer", description: "Only reviews with exactly this many stars." }),
    page: PaginationQuery.page,
    perPage: z.coerce.number().int().min(1).max(50).default(10).openapi({ example: 10 }),
  })
  .strict();
export type ListReviewsQuery = z.infer<typeof ListReviewsQuery>;

export const ReviewReply = z
  .object({
    body: z.string(),
    from: z.enum(["store", "seller"]).openapi({ description: "Who replied: the store's staff, or the product's seller (once, from /vendor)." }),
    fromName: z.string().openapi({
      description: "The name shown with the reply: the seller's name for a seller's reply, the store's name for the store's.",
      example: "Trail Supply Co.",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ReviewReply");

export const ReviewSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    authorName: z.string(),
    rating: z.number().int(),
    title: z.string(),
    body: z.string(),
    photos: z.array(z.string()),
    verifiedBuyer: z.literal(true).openapi({ description: "Every review comes from a delivered order line." }),
    helpfulCount: z.number().int(),
    status: z.enum(REVIEW_STATUSES),
    reply: ReviewReply.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Review");
export type Review = z.infer<typeof ReviewSchema>;

/** What a guest's review link opens: the product of its order line and the guest order's review of it, if any. */
export const ReviewLinkView = z
  .object({
    product: z.object({ slug: z.string(), name: z.string() }),
    review: z.union([ReviewSchema, z.null()]).openapi({ description: "The review this link wrote before (the link edits it), or null." }),
    expiresAt: z.string().openapi({ description: "When the link stops working." }),
  })
  .openapi("ReviewLink");
export type ReviewLinkView = z.infer<typeof ReviewLinkView>;

export const RatingSummary = z
  .object({
    average: z.number().openapi({ description: "Mean stars of published reviews, 2 decimals; 0 when there are none." }),
    count: z.number().int(),
    distribution: z
      .object({ 1: z.number().int(), 2: z.number().int(), 3: z.number().int(), 4: z.number().int(), 5: z.number().int() })
      .openapi({ description: "Published reviews per star." }),
  })
  .openapi("RatingSummary");
export type RatingSummary = z.infer<typeof RatingSummary>;

export const ReviewPage = z
  .object({ summary: RatingSummary, items: z.array(ReviewSchema), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("ReviewPage");
export type ReviewPage = z.infer<typeof ReviewPage>;

export const VoteResult = z.object({ reviewId: z.string(), helpfulCount: z.number().int(), voted: z.boolean() }).openapi("ReviewVoteResult");
export const ReportResult = z.object({ reviewId: z.string(), reported: z.literal(true) }).openapi("ReviewReportResult");
export const PhotoUpload = z.object({ url: z.string(), type: z.string(), bytes: z.number().int() }).openapi("ReviewPhoto");

// ---- staff

/** Why staff may reject a review: policy reasons only; a low rating is never one of them. */
export const REJECT_REASONS = ["spam", "offensive", "personal_information", "off_topic", "not_a_product_review", "conflict_of_interest"] as const;
export const RejectReviewBody = z
  .object({
    reason: z.enum(REJECT_REASONS, { error: `One of: ${REJECT_REASONS.join(", ")} (a low rating is not a reason)` }),
    note: z.string().trim().max(500, "At most 500 characters").optional(),
  })
  .strict()
  .openapi("RejectReviewBody");
export type RejectReviewBody = z.infer<typeof RejectReviewBody>;

export const ReplyBody = z
  .object({ body: z.string().trim().min(2, "Write the reply").max(2000, "At most 2,000 characters") })
  .strict()
  .openapi("ReviewReplyBody");
export type ReplyBody = z.infer<typeof ReplyBody>;

export const ADMIN_REVIEW_QUEUES = ["pending", "published", "rejected", "reported"] as const;
export const AdminReviewsQuery = z
  .object({ queue: z.enum(ADMIN_REVIEW_QUEUES).default("pending"), page: PaginationQuery.page, perPage: PaginationQuery.perPage })
  .strict();
export type AdminReviewsQuery = z.infer<typeof AdminReviewsQuery>;

export const AdminReview = ReviewSchema.extend({
  productName: z.string(),
  productSlug: z.string(),
  userId: z.string(),
  rejectReason: z.string().nullable(),
  openReports: z.number().int(),
  reports: z.array(z.object({ reason: ReportReason, note: z.string().nullable(), createdAt: z.string() })),
}).openapi("AdminReview");
export type AdminReview = z.infer<typeof AdminReview>;

export const AdminReviewPage = z
  .object({ items: z.array(AdminReview), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("AdminReviewPage");

export const ReviewSettings = z
  .object({
    moderation: z.enum(MODERATION_MODES).openapi({ description: "`auto` publishes at once; `hold` waits for staff approval." }),
    reminderDays: z.coerce
      .number()
      .int()
      .min(0)
      .max(60, "At most 60 days")
      .openapi({ type: "integer", description: "Days after the review request to send one reminder; 0 sends none." }),
  })
  .strict()
  .openapi("ReviewSettings");
export type ReviewSettings = z.infer<typeof ReviewSettings>;

/** A vendor's view of reviews of its own products (published ones: what shoppers read and a reply answers). */
export const VendorReviewsQuery = z
  .object({
    replied: z.enum(["yes", "no"]).optional().openapi({ description: "`no`: only reviews still without a reply; `yes`: only answered ones." }),
    page: PaginationQuery.page,
    perPage: PaginationQuery.perPage,
  })
  .strict();
export type VendorReviewsQuery = z.infer<typeof VendorReviewsQuery>;

export const VendorReview = ReviewSchema.extend({ productName: z.string(), productSlug: z.string() }).openapi("VendorReview");
export type VendorReview = z.infer<typeof VendorReview>;

export const VendorReviewPage = z
  .object({ items: z.array(VendorReview), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("VendorReviewPage");
export type VendorReviewPage = z.infer<typeof VendorReviewPage>;
