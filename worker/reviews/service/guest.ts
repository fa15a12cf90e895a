import { sellerListedSql } from "../../catalog";
import { changesOf } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { OrderAccess } from "../../orders";
import { storeSettings } from "../../store";
import { countReviewAction } from "../limits";
import type { GuestReviewBody, Review } from "../schema";
import { publicName, summaryStatement } from "../summary";
import { activeProduct, afterPublicChange, findReview, toReview } from "./read";
import { reviewSettings } from "./settings";

/** The reviewer id of a guest order: one review per product per guest order (reviews are unique per product and reviewer). */
export const guestReviewerId = (orderId: string) => `guest:${orderId}`;

/** A line of this order for the product that was delivered (the whole order, or the parcel that carried it), or null. */
async function deliveredLineInOrder(env: Env, orderId: string, productId: string): Promise<string | null> {
  const row = await env.DB.prepare(
    `SELECT ol.id FROM order_lines ol JOIN orders o ON o.id = ol.order_id
     WHERE o.id = ?1 AND ol.product_id = ?2 AND (
       o.status = 'delivered' OR EXISTS (
         SELECT 1 FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
         WHERE sl.order_line_id = ol.id AND s.status = 'delivered'))
     ORDER BY ol.id LIMIT 1`,
  )
    .bind(orderId, productId)
    .first<{ id: string }>();
  return row?.id ?? null;
}

/**
 * The products a guest may review through this order's link: each active product with a delivered line in
 * the order, and whether it was reviewed already. Empty for an account's order or without the emailed token.
 */
export async function guestReviewables(env: Env, access: OrderAccess): Promise<{ slug: string; name: string; reviewed: boolean }[]> {
  if (!access.token || access.order.userId) return [];
  const rows = await env.DB.prepare(
    `SELECT DISTINCT p.slug AS slug, p.name AS name,
       EXISTS (SELECT 1 FROM reviews r WHERE r.product_id = p.id AND r.user_id = ?2) AS reviewed
     FROM order_lines ol JOIN orders o ON o.id = ol.order_id JOIN products p ON p.id = ol.product_id AND p.status = 'active'
     WHERE o.id = ?1 AND ${sellerListedSql("p")} AND (
       o.status = 'delivered' OR EXISTS (
         SELECT 1 FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
         WHERE sl.order_line_id = ol.id AND s.status = 'delivered'))
     ORDER BY p.name`,
  )
    .bind(access.order.id, guestReviewerId(access.order.id))
    .all<{ slug: string; name: string; reviewed: number }>();
  return rows.results.map((r) => ({ slug: r.slug, name: r.name, reviewed: r.reviewed === 1 }));
}

/**
 * A guest's review of a product they bought, opened by the order's emailed link (its signed token is the
 * proof of purchase, as it is for the order page). Only a guest order (an account's orders are reviewed
 * signed in: 403 `reviews.sign_in`), only a delivered line of that product in this order (403
 * `reviews.not_eligible`), once per product and order (409 `reviews.already_reviewed`, also when two posts
 * race). Shown as a verified purchase like every review; published or held per the moderation setting.
 */
export async function createGuestReview(env: Env, access: OrderAccess, body: GuestReviewBody): Promise<Review> {
  if (!access.token) throw new AppError("reviews.not_eligible", 403, "Open the link in your order email to review what you bought.");
  if (access.order.userId) throw new AppError("reviews.sign_in", 403, "This order belongs to an account: sign in to review it.");
  const reviewer = guestReviewerId(access.order.id);
  await countReviewAction(env, "write", reviewer);
  const product = await activeProduct(env, body.productSlug);
  const line = await deliveredLineInOrder(env, access.order.id, product.id);
  if (!line)
    throw new AppError("reviews.not_eligible", 403, "Only a product of this order that was delivered can be reviewed.", [
      { path: "productSlug", message: "Not delivered in this order" },
    ]);
  const { moderation } = await reviewSettings(env);
  const id = newId("rev");
  const now = new Date().toISOString();
  const status = moderation === "auto" ? "published" : "pending";
  const [inserted] = await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO reviews (id, product_id, user_id, order_line_id, author_name, rating, title, body, photos, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?) ON CONFLICT (product_id, user_id) DO NOTHING`,
    ).bind(id, product.id, reviewer, line, publicName(body.name), body.rating, body.title, body.body, status, now, now),
    summaryStatement(env.DB, product.id),
  ]);
  if (changesOf(inserted) !== 1) throw new AppError("reviews.already_reviewed", 409, "This product of your order has been reviewed already.");
  await afterPublicChange(env, status === "published");
  const row = await findReview(env, id);
  if (!row) throw new AppError("reviews.not_found", 404, "No such review.");
  return toReview(row, (await storeSettings(env)).storeName);
}
