import { sellerListedSql } from "../../catalog";
import { changesOf } from "../../lib/d1-batch";
import type { Principal } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { reviewBonusReversalStatement, reviewBonusStatement } from "../../loyalty";
import { storeShopperPhoto } from "../../media";
import { newId } from "../../lib/ids";
import { storeSettings } from "../../store";
import { countReviewAction } from "../limits";
import type { CreateReviewBody, ReportReviewBody, Review, UpdateReviewBody } from "../schema";
import { publicName, summaryStatement } from "../summary";
import { activeProduct, afterPublicChange, findReview, type ReviewRow, toReview } from "./read";
import { reviewSettings } from "./settings";

const notFound = () => new AppError("reviews.not_found", 404, "No such review.");

/**
 * The caller's delivered order line of the product, or null: a line of one of THEIR orders that was
 * delivered (the whole order, or the parcel that carried the line, so a later partial refund keeps it).
 */
export async function deliveredLineOf(env: Env, userId: string, productId: string): Promise<string | null> {
  const row = await env.DB.prepare(
    `SELECT ol.id FROM order_lines ol JOIN orders o ON o.id = ol.order_id
     WHERE o.user_id = ?1 AND ol.product_id = ?2 AND (
       o.status = 'delivered' OR EXISTS (
         SELECT 1 FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
         WHERE sl.order_line_id = ol.id AND s.status = 'delivered'))
     ORDER BY o.created_at LIMIT 1`,
  )
    .bind(userId, productId)
    .first<{ id: string }>();
  return row?.id ?? null;
}

/** What the product page's review form needs to know about the signed-in shopper. */
export interface ReviewerState {
  /** Has a delivered order line of the product. */
  eligible: boolean;
  /** Their review of it (any status), to edit. */
  review: (Review & { rejectReason: string | null }) | null;
}

/** Whether the shopper may review the product, and their existing review. 404 for an unknown product. */
export async function reviewerState(env: Env, principal: Principal, slug: string): Promise<ReviewerState & { productId: string; productName: string }> {
  const product = await activeProduct(env, slug);
  const [line, own] = await Promise.all([
    deliveredLineOf(env, principal.id, product.id),
    env.DB.prepare(
      "SELECT r.*, rp.body AS reply_body, rp.created_at AS reply_created_at, rp.updated_at AS reply_updated_at FROM reviews r LEFT JOIN review_replies rp ON rp.review_id = r.id WHERE r.product_id = ? AND r.user_id = ?",
    )
      .bind(product.id, principal.id)
      .first<ReviewRow>(),
  ]);
  return {
    productId: product.id,
    productName: product.name,
    eligible: line !== null,
    review: own ? { ...toReview(own, (await storeSettings(env)).storeName), rejectReason: own.reject_reason } : null,
  };
}

/**
 * Writes the caller's review of the product. Only a customer with a delivered order line of it may
 * (403 `reviews.not_eligible`), once (409 `reviews.already_reviewed`: edit it instead, also when two
 * posts race). Published at once or held for staff, per the store's moderation setting; the product's
 * rating summary is recomputed in the same batch. Rate limited per shopper (429).
 */
export async function createReview(env: Env, principal: Principal, slug: string, body: CreateReviewBody): Promise<Review> {
  await countReviewAction(env, "write", principal.id);
  const product = await activeProduct(env, slug);
  const existing = await env.DB.prepare("SELECT id FROM reviews WHERE product_id = ? AND user_id = ?").bind(product.id, principal.id).first();
  if (existing) throw new AppError("reviews.already_reviewed", 409, "You have reviewed this product already: edit your review instead.");
  const line = await deliveredLineOf(env, principal.id, product.id);
  if (!line) throw new AppError("reviews.not_eligible", 403, "Only customers whose order of this product was delivered can review it.");
  await assertOwnPhotos(env, principal.id, body.photos, []);
  const { moderation } = await reviewSettings(env);
  const id = newId("rev");
  const now = new Date().toISOString();
  const status = moderation === "auto" ? "published" : "pending";
  // A review published at once carries its points bonus in the same batch: both are written, or neither.
  const bonus = status === "published" ? await reviewBonusStatement(env, principal.id, product.id, Date.now(), { afterInsert: true }) : null;
  const [inserted] = await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO reviews (id, product_id, user_id, order_line_id, author_name, rating, title, body, photos, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (product_id, user_id) DO NOTHING`,
    ).bind(id, product.id, principal.id, line, publicName(principal.name), body.rating, body.title, body.body, JSON.stringify(body.photos), status, now, now),
    ...(bonus ? [bonus] : []),
    summaryStatement(env.DB, product.id),
  ]);
  if (changesOf(inserted) !== 1) throw new AppError("reviews.already_reviewed", 409, "You have reviewed this product already: edit your review instead.");
  await afterPublicChange(env, status === "published");
  const row = await findReview(env, id);
  if (!row) throw notFound();
  return toReview(row, (await storeSettings(env)).storeName);
}

/** The caller's own review, else 404 (another shopper's review is not theirs to see in this way). */
async function ownReview(env: Env, principal: Principal, id: string): Promise<ReviewRow> {
  const row = await findReview(env, id);
  if (!row || row.user_id !== principal.id) throw notFound();
  return row;
}

/**
 * Edits the caller's review (404 for anyone else's). Under "hold" moderation, and for a review staff
 * rejected, the edit waits for approval again; the rating summary is recomputed in the same batch.
 */
export async function updateReview(env: Env, principal: Principal, id: string, body: UpdateReviewBody): Promise<Review> {
  await countReviewAction(env, "write", principal.id);
  const row = await ownReview(env, principal, id);
  if (body.photos) await assertOwnPhotos(env, principal.id, body.photos, JSON.parse(row.photos) as string[]);
  const { moderation } = await reviewSettings(env);
  const status = moderation === "hold" || row.status !== "published" ? "pending" : "published";
  const next = {
    rating: body.rating ?? row.rating,
    title: body.title ?? row.title,
    body: body.body ?? row.body,
    photos: body.photos ? JSON.stringify(body.photos) : row.photos,
  };
  await env.DB.batch([
    env.DB.prepare(
      "UPDATE reviews SET rating = ?, title = ?, body = ?, photos = ?, status = ?, reject_reason = NULL, updated_at = ? WHERE id = ? AND user_id = ?",
    ).bind(next.rating, next.title, next.body, next.photos, status, new Date().toISOString(), id, principal.id),
    summaryStatement(env.DB, row.product_id),
  ]);
  await afterPublicChange(env, row.status === "published" || status === "published");
  const updated = await findReview(env, id);
  if (!updated) throw notFound();
  return toReview(updated, (await storeSettings(env)).storeName);
}

/** Deletes the caller's review (404 for anyone else's) with its votes, reports and reply; recomputes the summary. */
export async function deleteReview(env: Env, principal: Principal, id: string): Promise<void> {
  const row = await ownReview(env, principal, id);
  await env.DB.batch([
    env.DB.prepare("DELETE FROM reviews WHERE id = ? AND user_id = ?").bind(id, principal.id),
    summaryStatement(env.DB, row.product_id),
    reviewBonusReversalStatement(env, principal.id, row.product_id),
  ]);
  await afterPublicChange(env, row.status === "published");
}

/** A published review other shoppers can act on, or 404 (also while its product's seller is hidden). */
async function publishedReview(env: Env, id: string): Promise<ReviewRow> {
  const row = await findReview(env, id);
  if (row?.status !== "published") throw notFound();
  const listed = await env.DB.prepare(`SELECT 1 AS listed FROM products p WHERE p.id = ? AND ${sellerListedSql("p")}`)
    .bind(row.product_id)
    .first<{ listed: number }>();
  if (!listed) throw notFound();
  return row;
}

/**
 * Counts the caller's "helpful" vote on a published review, once per shopper however often it is sent
 * (the vote's key is review + shopper; the count is recounted from the votes in the same batch, so
 * concurrent votes never lose one). A shopper cannot vote on their own review (403).
 */
export async function voteHelpful(env: Env, principal: Principal, id: string): Promise<{ reviewId: string; helpfulCount: number; voted: boolean }> {
  const row = await publishedReview(env, id);
  if (row.user_id === principal.id) throw new AppError("reviews.own_review", 403, "You cannot vote on your own review.");
  await countReviewAction(env, "vote", principal.id);
  const [, , count] = await env.DB.batch([
    env.DB.prepare("INSERT INTO review_votes (review_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING").bind(id, principal.id),
    env.DB.prepare("UPDATE reviews SET helpful_count = (SELECT count(*) FROM review_votes WHERE review_id = ?1) WHERE id = ?1").bind(id),
    env.DB.prepare("SELECT helpful_count AS n FROM reviews WHERE id = ?").bind(id),
  ]);
  // No catalog version move per vote: the counts on cached pages may lag by their short lifetime.
  return { reviewId: id, helpfulCount: (count?.results[0] as { n: number } | undefined)?.n ?? 0, voted: true };
}

/**
 * Flags a published review for staff (one open report per shopper and review; sending it again changes
 * nothing). The review stays up until staff decide.
 */
export async function reportReview(env: Env, principal: Principal, id: string, body: ReportReviewBody): Promise<{ reviewId: string; reported: true }> {
  await publishedReview(env, id);
  await countReviewAction(env, "report", principal.id);
  await env.DB.batch([
    env.DB.prepare("INSERT INTO review_reports (id, review_id, user_id, reason, note) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING").bind(
      newId("rrp"),
      id,
      principal.id,
      body.reason,
      body.note ?? null,
    ),
    env.DB.prepare("UPDATE reviews SET open_reports = (SELECT count(*) FROM review_reports WHERE review_id = ?1 AND resolved_at IS NULL) WHERE id = ?1").bind(
      id,
    ),
  ]);
  return { reviewId: id, reported: true };
}

/**
 * Stores a photo for the caller's review through the media pipeline (JPEG, PNG or WebP by its bytes, at
 * most 5 MiB, metadata removed) and answers its path for the review's `photos`. Rate limited per shopper.
 */
export async function uploadReviewPhoto(env: Env, principal: Principal, bytes: ArrayBuffer): Promise<{ url: string; type: string; bytes: number }> {
  await countReviewAction(env, "photo", principal.id);
  const stored = await storeShopperPhoto(env, bytes);
  // Stored by the bytes' hash: the same picture from two shoppers is one path with two uploaders.
  await env.DB.prepare("INSERT INTO review_photos (url, user_id) VALUES (?, ?) ON CONFLICT (user_id, url) DO NOTHING").bind(stored.url, principal.id).run();
  return stored;
}

/**
 * 400 `reviews.photo_not_yours`, naming each `photos.<i>`, unless every photo is one the caller uploaded
 * (or was already on the review being edited: photos from before uploads were recorded).
 */
async function assertOwnPhotos(env: Env, userId: string, photos: readonly string[], alreadyOnReview: readonly string[]): Promise<void> {
  const toCheck = photos.filter((p) => !alreadyOnReview.includes(p));
  if (!toCheck.length) return;
  const { results } = await env.DB.prepare(`SELECT url FROM review_photos WHERE user_id = ? AND url IN (${toCheck.map(() => "?").join(", ")})`)
    .bind(userId, ...toCheck)
    .all<{ url: string }>();
  const own = new Set(results.map((r) => r.url));
  const errors = photos.flatMap((p, i) =>
    alreadyOnReview.includes(p) || own.has(p) ? [] : [{ path: `photos.${i}`, message: "Upload this photo yourself first" }],
  );
  if (errors.length) throw new AppError("reviews.photo_not_yours", 400, "A review can only show photos its author uploaded.", errors);
}
