import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const REVIEW_STATUSES = ["pending", "published", "rejected"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/**
 * A shopper's review of a product: one per product and customer (edited in place), written only by a
 * customer with a delivered order line of it (`order_line_id` is the line that made them eligible).
 * Only `published` reviews are shown and counted in the product's rating summary.
 */
export const reviews = sqliteTable(
  "reviews",
  {
    id: text("id").primaryKey(),
    productId: text("product_id").notNull(),
    userId: text("user_id").notNull(),
    orderLineId: text("order_line_id").notNull(),
    /** The name shown with the review, frozen when it was written ("Ada L."). */
    authorName: text("author_name").notNull(),
    rating: integer("rating").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    /** JSON array of `/media/uploads/…` paths (at most 4). */
    photos: text("photos").notNull().default("[]"),
    status: text("status", { enum: REVIEW_STATUSES }).notNull(),
    rejectReason: text("reject_reason"),
    helpfulCount: integer("helpful_count").notNull().default(0),
    /** Open (unhandled) reports, for the moderation queue. */
    openReports: integer("open_reports").notNull().default(0),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    uniqueIndex("reviews_product_user_uq").on(t.productId, t.userId),
    index("reviews_product_status_created_idx").on(t.productId, t.status, t.createdAt),
    index("reviews_product_status_helpful_idx").on(t.productId, t.status, t.helpfulCount),
    index("reviews_product_status_rating_idx").on(t.productId, t.status, t.rating),
    index("reviews_status_created_idx").on(t.status, t.createdAt),
    index("reviews_reports_idx").on(t.openReports),
  ],
);

/** "Helpful" votes: one per review and shopper (the primary key is the guard). */
export const reviewVotes = sqliteTable(
  "review_votes",
  {
    reviewId: text("review_id")
      .notNull()
      .references(() => reviews.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [primaryKey({ columns: [t.reviewId, t.userId] })],
);

export const REPORT_REASONS = ["spam", "offensive", "personal_information", "off_topic", "fake", "other"] as const;

/** A shopper's flag on a review (one per review and shopper), open until staff handle it. */
export const reviewReports = sqliteTable(
  "review_reports",
  {
    id: text("id").primaryKey(),
    reviewId: text("review_id")
      .notNull()
      .references(() => reviews.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    reason: text("reason", { enum: REPORT_REASONS }).notNull(),
    note: text("note"),
    resolvedAt: text("resolved_at"),
    resolvedBy: text("resolved_by"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [uniqueIndex("review_reports_review_user_uq").on(t.reviewId, t.userId), index("review_reports_open_idx").on(t.resolvedAt, t.createdAt)],
);

/** The store's public reply under a review (one per review, editable). */
export const reviewReplies = sqliteTable("review_replies", {
  reviewId: text("review_id")
    .primaryKey()
    .references(() => reviews.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
  authorId: text("author_id").notNull(),
  createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

/**
 * Review-request emails, one row per delivered order line: the primary key makes "once per line" hold
 * however often the sweep runs. `reminded_at` is set when the reminder went out.
 */
export const reviewRequests = sqliteTable(
  "review_requests",
  {
    orderLineId: text("order_line_id").primaryKey(),
    orderId: text("order_id").notNull(),
    userId: text("user_id").notNull(),
    productId: text("product_id").notNull(),
    sentAt: text("sent_at").notNull(),
    remindedAt: text("reminded_at"),
  },
  (t) => [index("review_requests_sent_idx").on(t.remindedAt, t.sentAt)],
);

export const MODERATION_MODES = ["auto", "hold"] as const;

/** The store's review settings: one row (id 1). */
export const reviewSettings = sqliteTable("review_settings", {
  id: integer("id").primaryKey(),
  /** `auto` publishes new and edited reviews at once; `hold` waits for staff approval. */
  moderation: text("moderation", { enum: MODERATION_MODES }).notNull().default("auto"),
  /** Days after the request email to send one reminder; 0 sends none. */
  reminderDays: integer("reminder_days").notNull().default(7),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedBy: text("updated_by"),
});

/**
 * Who uploaded each review photo (`POST /api/reviews/photos` and the review form): a review may carry only
 * photos its author uploaded, so nobody can attach another shopper's picture or a product image.
 */
export const reviewPhotos = sqliteTable(
  "review_photos",
  {
    url: text("url").notNull(),
    userId: text("user_id").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  // Uploads are stored by their bytes' hash: two shoppers uploading the same picture share a path, and each may use it.
  (t) => [primaryKey({ columns: [t.userId, t.url] })],
);
