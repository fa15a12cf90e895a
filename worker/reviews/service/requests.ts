import { sellerListedSql } from "../../catalog";
import { changesOf } from "../../lib/d1-batch";
import { enqueueEmail } from "../../notifications";
import { guestReviewerId } from "./guest";
import { REVIEW_LINK_DAYS, reviewLinkToken } from "./link";
import { reviewSettings } from "./settings";

/** Order lines per sweep (the cron runs every few minutes; a backlog drains over several runs). */
const SWEEP_LIMIT = 100;

interface DueLine {
  line_id: string;
  order_id: string;
  user_id: string | null;
  email: string;
  product_id: string;
  slug: string;
  name: string;
}

/**
 * Where an email's button goes: an account holder signs in and reviews on the product's page; a guest gets a
 * signed link to the review form of that one order line, working for REVIEW_LINK_DAYS from this email.
 */
async function reviewUrl(env: Env, origin: string, line: { line_id: string; user_id: string | null; slug: string }, now: number): Promise<string> {
  if (line.user_id) return `${origin}/p/${line.slug}/reviews`;
  const token = await reviewLinkToken(env, line.line_id, now + REVIEW_LINK_DAYS * 86_400_000);
  return `${origin}/reviews/write?token=${encodeURIComponent(token)}`;
}

/**
 * The review-request emails: one per delivered order line whose buyer (a customer, or a guest order: one
 * review per product per guest order) has not reviewed the product yet, and one reminder `reminderDays`
 * after it (none when 0) if there is still no review.
 * Each message's id is `review-request:<line>` / `review-reminder:<line>`, so the email consumer sends it
 * once however often it is queued; the row in `review_requests` is written after the send, so a failed
 * send is tried again by the next sweep and a repeated one is dropped by that id. Answers the counts.
 */
export async function sendReviewRequests(env: Env, origin: string, now = Date.now()): Promise<{ requested: number; reminded: number }> {
  const due = await env.DB.prepare(
    `SELECT ol.id AS line_id, o.id AS order_id, o.user_id, o.email, ol.product_id, p.slug, p.name
     FROM orders o JOIN order_lines ol ON ol.order_id = o.id JOIN products p ON p.id = ol.product_id
     WHERE o.status = 'delivered' AND p.status = 'active' AND ${sellerListedSql("p")}
       AND NOT EXISTS (SELECT 1 FROM review_requests rq WHERE rq.order_line_id = ol.id)
       AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.product_id = ol.product_id AND r.user_id = COALESCE(o.user_id, 'guest:' || o.id))
     LIMIT ?`,
  )
    .bind(SWEEP_LIMIT)
    .all<DueLine>();
  const at = new Date(now).toISOString();
  let requested = 0;
  for (const line of due.results) {
    await enqueueEmail(env.EMAIL_QUEUE, {
      id: `review-request:${line.line_id}`,
      template: "review_request",
      to: line.email,
      data: { productName: line.name, url: await reviewUrl(env, origin, line, now), reminder: false, ...(line.user_id ? {} : { guest: true }) },
    });
    // A guest order's requests are kept under its reviewer id, which is also the user id of its reviews.
    const written = await env.DB.prepare(
      "INSERT INTO review_requests (order_line_id, order_id, user_id, product_id, sent_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
      .bind(line.line_id, line.order_id, line.user_id ?? guestReviewerId(line.order_id), line.product_id, at)
      .run();
    requested += changesOf(written);
  }

  const { reminderDays } = await reviewSettings(env);
  let reminded = 0;
  if (reminderDays > 0) {
    const before = new Date(now - reminderDays * 86_400_000).toISOString();
    const late = await env.DB.prepare(
      `SELECT rq.order_line_id AS line_id, o.user_id, o.email, p.slug, p.name
       FROM review_requests rq JOIN orders o ON o.id = rq.order_id JOIN products p ON p.id = rq.product_id
       WHERE rq.reminded_at IS NULL AND rq.sent_at <= ? AND p.status = 'active' AND ${sellerListedSql("p")}
         AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.product_id = rq.product_id AND r.user_id = rq.user_id)
       LIMIT ?`,
    )
      .bind(before, SWEEP_LIMIT)
      .all<{ line_id: string; user_id: string | null; email: string; slug: string; name: string }>();
    for (const line of late.results) {
      await enqueueEmail(env.EMAIL_QUEUE, {
        id: `review-reminder:${line.line_id}`,
        template: "review_request",
        to: line.email,
        data: { productName: line.name, url: await reviewUrl(env, origin, line, now), reminder: true, ...(line.user_id ? {} : { guest: true }) },
      });
      reminded += changesOf(
        await env.DB.prepare("UPDATE review_requests SET reminded_at = ? WHERE order_line_id = ? AND reminded_at IS NULL").bind(at, line.line_id).run(),
      );
    }
  }
  return { requested, reminded };
}
