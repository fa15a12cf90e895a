// A guest's review-request email carries a link to the review form of ONE order line: `<line id>.<expiry>.<HMAC>`,
// signed with a key derived from the PII key ring. The link is the proof of purchase (a guest has no account) and
// names nothing else: it cannot open another line's product, another order, or the order itself.
import { sellerListedSql } from "../../catalog";
import { changesOf } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { storeSettings } from "../../store";
import { countReviewAction } from "../limits";
import type { Review, ReviewLinkBody, ReviewLinkView } from "../schema";
import { publicName, summaryStatement } from "../summary";
import { afterPublicChange, findReview, type ReviewRow, toReview } from "./read";
import { guestReviewerId } from "./guest";
import { reviewSettings } from "./settings";

/** How long a review link works after its email was sent: time to use the product, and then a reminder's worth. */
export const REVIEW_LINK_DAYS = 60;

// Settled keys only, per key ring: a promise here would tie every request to the one that started the derivation.
const keys = new Map<string, CryptoKey[]>();

async function ringKeys(secret: string | undefined): Promise<CryptoKey[]> {
  if (!secret) throw new Error("PII_KEYS is not configured");
  let found = keys.get(secret);
  if (!found) {
    const parsed = JSON.parse(secret) as { active: string; keys: Record<string, string> };
    const ordered = [parsed.active, ...Object.keys(parsed.keys).filter((k) => k !== parsed.active)];
    found = await Promise.all(
      ordered.map(async (kid) => {
        const base = await crypto.subtle.importKey("raw", Buffer.from(parsed.keys[kid] ?? "", "base64"), "HKDF", false, ["deriveKey"]);
        return crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("review-link-v1") },
          base,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign", "verify"],
        );
      }),
    );
    keys.set(secret, found);
  }
  return found;
}

const message = (lineId: string, expires: number) => new TextEncoder().encode(`review-line:${lineId}:${expires}`);

/** The token of a review link for `lineId` that works until `expiresAt` (ms), signed with the active key. */
export async function reviewLinkToken(env: Pick<Env, "PII_KEYS">, lineId: string, expiresAt: number): Promise<string> {
  const [active] = await ringKeys(env.PII_KEYS);
  if (!active) throw new Error("PII_KEYS has no key");
  const expires = Math.floor(expiresAt / 1000);
  const signature = Buffer.from(await crypto.subtle.sign("HMAC", active, message(lineId, expires))).toString("base64url");
  return `${lineId}.${expires}.${signature}`;
}

const invalidLink = () => new AppError("reviews.link_not_found", 404, "This review link is not valid. Use the link in your email.");

/** The order line a token names, if the signature matches a key of the ring; 410 once it has expired. */
async function lineOfToken(env: Pick<Env, "PII_KEYS">, token: string, now: number): Promise<string> {
  const match = /^([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) throw invalidLink();
  const [, lineId, expires, signature] = match as unknown as [string, string, string, string];
  const bytes = Buffer.from(signature, "base64url");
  let valid = false;
  for (const key of await ringKeys(env.PII_KEYS)) {
    if (await crypto.subtle.verify("HMAC", key, bytes, message(lineId, Number(expires)))) valid = true;
  }
  if (!valid) throw invalidLink();
  if (Number(expires) * 1000 <= now)
    throw new AppError("reviews.link_expired", 410, "This review link has expired. Your order page still lists what you can review.");
  return lineId;
}

interface LinkedLine {
  line_id: string;
  order_id: string;
  user_id: string | null;
  product_id: string;
  slug: string;
  name: string;
  listed: number;
  delivered: number;
}

/** What a valid link opens: the line's product and the guest order's review of it, or why it cannot. */
async function linkedLine(env: Env, token: string, now: number): Promise<LinkedLine & { review: ReviewRow | null }> {
  const lineId = await lineOfToken(env, token, now);
  const line = await env.DB.prepare(
    `SELECT ol.id AS line_id, o.id AS order_id, o.user_id, p.id AS product_id, p.slug, p.name,
       (p.status = 'active' AND ${sellerListedSql("p")}) AS listed,
       (o.status = 'delivered' OR EXISTS (
         SELECT 1 FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
         WHERE sl.order_line_id = ol.id AND s.status = 'delivered')) AS delivered
     FROM order_lines ol JOIN orders o ON o.id = ol.order_id JOIN products p ON p.id = ol.product_id
     WHERE ol.id = ?`,
  )
    .bind(lineId)
    .first<LinkedLine>();
  if (!line) throw invalidLink();
  if (line.user_id) throw new AppError("reviews.sign_in", 403, "This order belongs to an account: sign in to review it.");
  if (!line.listed) throw new AppError("reviews.product_not_found", 404, "This product is no longer sold here.");
  if (!line.delivered) throw new AppError("reviews.not_eligible", 403, "You can review this product once it has been delivered.");
  const review = await env.DB.prepare("SELECT id FROM reviews WHERE product_id = ? AND user_id = ?")
    .bind(line.product_id, guestReviewerId(line.order_id))
    .first<{ id: string }>();
  return { ...line, review: review ? await findReview(env, review.id) : null };
}

/**
 * Opens a guest's review link: the product of its order line, the review the guest order already wrote of it
 * (the link edits that one), and until when the link works. 404 `reviews.link_not_found` for a token that is not
 * the store's, 410 `reviews.link_expired`, 403 `reviews.not_eligible` while the line is not delivered, 403
 * `reviews.sign_in` for an account's order, 404 for a product no longer sold.
 */
export async function openReviewLink(env: Env, token: string, now = Date.now()): Promise<ReviewLinkView> {
  const line = await linkedLine(env, token, now);
  const expires = Number(token.split(".")[1]) * 1000;
  return {
    product: { slug: line.slug, name: line.name },
    review: line.review ? toReview(line.review, (await storeSettings(env)).storeName) : null,
    expiresAt: new Date(expires).toISOString(),
  };
}

/**
 * Writes or edits, through a valid link, the guest order's one review of the line's product: shown as a
 * verified purchase, published or held per the moderation setting (an edit of a held or rejected review waits
 * for approval again). Two first posts at once leave one review (the second edits it). Rate limited per
 * guest order like every review write. The rating summary is recomputed in the same batch.
 */
export async function saveReviewByLink(env: Env, token: string, body: ReviewLinkBody, now = Date.now()): Promise<{ review: Review; created: boolean }> {
  const line = await linkedLine(env, token, now);
  const reviewer = guestReviewerId(line.order_id);
  await countReviewAction(env, "write", reviewer);
  const { moderation } = await reviewSettings(env);
  const at = new Date().toISOString();
  let created = false;
  let id = line.review?.id ?? null;
  if (!line.review) {
    const fresh = newId("rev");
    const status = moderation === "auto" ? "published" : "pending";
    const [inserted] = await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO reviews (id, product_id, user_id, order_line_id, author_name, rating, title, body, photos, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?) ON CONFLICT (product_id, user_id) DO NOTHING`,
      ).bind(fresh, line.product_id, reviewer, line.line_id, publicName(body.name), body.rating, body.title, body.body, status, at, at),
      summaryStatement(env.DB, line.product_id),
    ]);
    created = changesOf(inserted) === 1;
    if (created) {
      id = fresh;
      await afterPublicChange(env, status === "published");
    }
  }
  if (!created) {
    // An edit (or the loser of two first posts): the guest order's one review of this product changes in place.
    const current = await env.DB.prepare("SELECT id, status FROM reviews WHERE product_id = ? AND user_id = ?")
      .bind(line.product_id, reviewer)
      .first<{ id: string; status: string }>();
    if (!current) throw invalidLink();
    id = current.id;
    const status = moderation === "hold" || current.status !== "published" ? "pending" : "published";
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE reviews SET author_name = ?, rating = ?, title = ?, body = ?, status = ?, reject_reason = NULL, updated_at = ? WHERE id = ? AND user_id = ?",
      ).bind(publicName(body.name), body.rating, body.title, body.body, status, at, current.id, reviewer),
      summaryStatement(env.DB, line.product_id),
    ]);
    await afterPublicChange(env, current.status === "published" || status === "published");
  }
  const row = await findReview(env, id as string);
  if (!row) throw invalidLink();
  return { review: toReview(row, (await storeSettings(env)).storeName), created };
}
