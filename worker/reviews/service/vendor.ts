import { type AuditActor, auditStatementIfChanged } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import type { ReplyBody, VendorReview, VendorReviewPage, VendorReviewsQuery } from "../schema";
import { storeSettings } from "../../store";
import { afterPublicChange, REVIEW_COLUMNS, REVIEW_FROM, type ReviewRow, toReview } from "./read";

// A seller's side of reviews: it reads the published reviews of its own products and may answer each once,
// publicly. Hiding, editing or rejecting stays with the store's staff, so a seller cannot bury a bad review.

type VendorReviewRow = ReviewRow & { product_name: string; product_slug: string };

const OWN = "p.vendor_id = ?1 AND r.status = 'published'";
const REPLIED: Record<NonNullable<VendorReviewsQuery["replied"]>, string> = { yes: "rp.review_id IS NOT NULL", no: "rp.review_id IS NULL" };

const toVendorReview = (row: VendorReviewRow, storeName: string): VendorReview => ({
  ...toReview(row, storeName),
  productName: row.product_name,
  productSlug: row.product_slug,
});

/** Published reviews of the vendor's products, newest first (optionally only those with or without a reply). */
export async function listVendorReviews(env: Env, vendorId: string, query: VendorReviewsQuery): Promise<VendorReviewPage> {
  const where = query.replied ? `${OWN} AND ${REPLIED[query.replied]}` : OWN;
  const from = `${REVIEW_FROM} JOIN products p ON p.id = r.product_id`;
  const [rows, total] = await env.DB.batch<VendorReviewRow | { n: number }>([
    env.DB.prepare(
      `SELECT ${REVIEW_COLUMNS}, p.name AS product_name, p.slug AS product_slug FROM ${from} WHERE ${where} ORDER BY r.created_at DESC, r.id LIMIT ?2 OFFSET ?3`,
    ).bind(vendorId, query.perPage, (query.page - 1) * query.perPage),
    env.DB.prepare(`SELECT count(*) AS n FROM ${from} WHERE ${where}`).bind(vendorId),
  ]);
  const { storeName } = await storeSettings(env);
  return {
    items: ((rows?.results ?? []) as VendorReviewRow[]).map((row) => toVendorReview(row, storeName)),
    total: (total?.results[0] as { n: number } | undefined)?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

/** One published review of the vendor's products; any other review (another seller's, held, unknown) is 404. */
async function vendorReview(env: Env, vendorId: string, id: string): Promise<VendorReviewRow> {
  const row = await env.DB.prepare(
    `SELECT ${REVIEW_COLUMNS}, p.name AS product_name, p.slug AS product_slug FROM ${REVIEW_FROM} JOIN products p ON p.id = r.product_id WHERE r.id = ?2 AND ${OWN}`,
  )
    .bind(vendorId, id)
    .first<VendorReviewRow>();
  if (!row) throw new AppError("reviews.not_found", 404, "No such review of your products.");
  return row;
}

/**
 * The vendor's public reply under a review of its product: once. A review that already has a reply (the
 * vendor's or the store's) answers 409 `reviews.already_replied`; the insert itself is the guard, so two
 * replies sent at once leave one. Audited `review.vendor_reply` with the vendor in the entry.
 */
export async function replyAsVendor(env: Env, vendorId: string, actor: AuditActor, id: string, body: ReplyBody): Promise<VendorReview> {
  await vendorReview(env, vendorId, id);
  const now = new Date().toISOString();
  const [inserted] = await runBatch(env.DB, [
    env.DB.prepare(
      "INSERT INTO review_replies (review_id, body, author_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (review_id) DO NOTHING",
    ).bind(id, body.body, actor.actorId, now),
    // Only when the reply above was written: a refused second reply leaves no entry.
    auditStatementIfChanged(env.DB, actor, { action: "review.vendor_reply", entityType: "review", entityId: id, after: { vendorId, body: body.body } }),
  ]);
  if (changesOf(inserted) !== 1) throw new AppError("reviews.already_replied", 409, "This review has a reply already; replies cannot be changed.");
  await afterPublicChange(env, true);
  return toVendorReview(await vendorReview(env, vendorId, id), (await storeSettings(env)).storeName);
}
