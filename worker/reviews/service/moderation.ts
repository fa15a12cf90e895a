import { type AuditActor, auditStatement } from "../../lib/audit";
import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { reviewBonusReversalStatement, reviewBonusStatement } from "../../loyalty";
import type { AdminReview, AdminReviewsQuery, RejectReviewBody, ReplyBody } from "../schema";
import { summaryStatement } from "../summary";
import { storeSettings } from "../../store";
import { afterPublicChange, findReview, REVIEW_COLUMNS, REVIEW_FROM, type ReviewRow, toReview } from "./read";

const notFound = () => new AppError("reviews.not_found", 404, "No such review.");

const QUEUE_WHERE: Record<AdminReviewsQuery["queue"], string> = {
  pending: "r.status = 'pending'",
  published: "r.status = 'published'",
  rejected: "r.status = 'rejected'",
  reported: "r.open_reports > 0",
};

/** A moderation queue (held, published, rejected, or reviews with open reports), oldest held first. */
export async function listAdminReviews(env: Env, query: AdminReviewsQuery): Promise<{ items: AdminReview[]; total: number; page: number; perPage: number }> {
  const where = QUEUE_WHERE[query.queue];
  const order = query.queue === "pending" ? "r.created_at ASC" : query.queue === "reported" ? "r.open_reports DESC, r.updated_at DESC" : "r.updated_at DESC";
  const [rows, total] = await env.DB.batch<(ReviewRow & { product_name: string; product_slug: string }) | { n: number }>([
    env.DB.prepare(
      `SELECT ${REVIEW_COLUMNS}, p.name AS product_name, p.slug AS product_slug FROM ${REVIEW_FROM} JOIN products p ON p.id = r.product_id
       WHERE ${where} ORDER BY ${order}, r.id LIMIT ? OFFSET ?`,
    ).bind(query.perPage, (query.page - 1) * query.perPage),
    env.DB.prepare(`SELECT count(*) AS n FROM reviews r WHERE ${where}`),
  ]);
  const items = (rows?.results ?? []) as (ReviewRow & { product_name: string; product_slug: string })[];
  const reports = items.length
    ? (
        await env.DB.prepare(
          `SELECT review_id, reason, note, created_at FROM review_reports WHERE resolved_at IS NULL AND review_id IN (${items.map(() => "?").join(",")}) ORDER BY created_at`,
        )
          .bind(...items.map((r) => r.id))
          .all<{ review_id: string; reason: AdminReview["reports"][number]["reason"]; note: string | null; created_at: string }>()
      ).results
    : [];
  const { storeName } = await storeSettings(env);
  return {
    items: items.map((row) => ({
      ...toReview(row, storeName),
      productName: row.product_name,
      productSlug: row.product_slug,
      userId: row.user_id,
      rejectReason: row.reject_reason,
      openReports: row.open_reports,
      reports: reports.filter((r) => r.review_id === row.id).map((r) => ({ reason: r.reason, note: r.note, createdAt: r.created_at })),
    })),
    total: (total?.results[0] as { n: number } | undefined)?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

async function reviewOr404(env: Env, id: string): Promise<ReviewRow> {
  const row = await findReview(env, id);
  if (!row) throw notFound();
  return row;
}

const snapshot = (r: ReviewRow) => ({ status: r.status, rating: r.rating, rejectReason: r.reject_reason });

/**
 * Publishes a held or rejected review (audited `review.approve`); the product's rating summary is
 * recomputed in the same batch. Approving a published review changes nothing.
 */
export async function approveReview(env: Env, actor: AuditActor, id: string): Promise<AdminReview> {
  const row = await reviewOr404(env, id);
  if (row.status !== "published") {
    const bonus = await reviewBonusStatement(env, row.user_id, row.product_id);
    await runBatch(env.DB, [
      env.DB.prepare("UPDATE reviews SET status = 'published', reject_reason = NULL WHERE id = ?").bind(id),
      summaryStatement(env.DB, row.product_id),
      ...(bonus ? [bonus] : []),
      auditStatement(env.DB, actor, { action: "review.approve", entityType: "review", entityId: id, before: snapshot(row), after: { status: "published" } }),
    ]);
    await afterPublicChange(env, true);
  }
  return adminReview(env, id);
}

/**
 * Rejects a review for a policy reason (the reasons list has no "low rating": a bad review of a product
 * is never grounds to hide it); audited `review.reject`; a published one leaves the rating summary.
 */
export async function rejectReview(env: Env, actor: AuditActor, id: string, body: RejectReviewBody): Promise<AdminReview> {
  const row = await reviewOr404(env, id);
  const reason = body.note ? `${body.reason}: ${body.note}` : body.reason;
  await runBatch(env.DB, [
    env.DB.prepare("UPDATE reviews SET status = 'rejected', reject_reason = ? WHERE id = ?").bind(reason, id),
    // Rejecting a reported review settles its reports.
    env.DB.prepare("UPDATE review_reports SET resolved_at = ?, resolved_by = ? WHERE review_id = ? AND resolved_at IS NULL").bind(
      new Date().toISOString(),
      actor.actorId,
      id,
    ),
    env.DB.prepare("UPDATE reviews SET open_reports = 0 WHERE id = ?").bind(id),
    summaryStatement(env.DB, row.product_id),
    reviewBonusReversalStatement(env, row.user_id, row.product_id),
    auditStatement(env.DB, actor, {
      action: "review.reject",
      entityType: "review",
      entityId: id,
      before: snapshot(row),
      after: { status: "rejected", rejectReason: reason },
    }),
  ]);
  await afterPublicChange(env, row.status === "published");
  return adminReview(env, id);
}

/** Sets (or replaces) the store's public reply under a review; audited `review.reply`. */
export async function replyToReview(env: Env, actor: AuditActor, id: string, body: ReplyBody): Promise<AdminReview> {
  const row = await reviewOr404(env, id);
  const now = new Date().toISOString();
  await runBatch(env.DB, [
    env.DB.prepare(
      `INSERT INTO review_replies (review_id, body, author_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
       ON CONFLICT (review_id) DO UPDATE SET body = excluded.body, author_id = excluded.author_id, updated_at = excluded.updated_at`,
    ).bind(id, body.body, actor.actorId, now),
    auditStatement(env.DB, actor, { action: "review.reply", entityType: "review", entityId: id, before: row.reply_body, after: body.body }),
  ]);
  await afterPublicChange(env, row.status === "published");
  return adminReview(env, id);
}

/** Removes the store's reply (audited `review.reply_delete`); 404 when there is none. */
export async function deleteReply(env: Env, actor: AuditActor, id: string): Promise<void> {
  const row = await reviewOr404(env, id);
  if (!row.reply_body) throw new AppError("reviews.reply_not_found", 404, "This review has no reply.");
  await runBatch(env.DB, [
    env.DB.prepare("DELETE FROM review_replies WHERE review_id = ?").bind(id),
    auditStatement(env.DB, actor, { action: "review.reply_delete", entityType: "review", entityId: id, before: row.reply_body }),
  ]);
  await afterPublicChange(env, row.status === "published");
}

/** Closes a review's open reports without changing the review ("keep it up"); audited `review.reports_dismiss`. */
export async function dismissReports(env: Env, actor: AuditActor, id: string): Promise<AdminReview> {
  const row = await reviewOr404(env, id);
  await runBatch(env.DB, [
    env.DB.prepare("UPDATE review_reports SET resolved_at = ?, resolved_by = ? WHERE review_id = ? AND resolved_at IS NULL").bind(
      new Date().toISOString(),
      actor.actorId,
      id,
    ),
    env.DB.prepare("UPDATE reviews SET open_reports = 0 WHERE id = ?").bind(id),
    auditStatement(env.DB, actor, { action: "review.reports_dismiss", entityType: "review", entityId: id, before: { openReports: row.open_reports } }),
  ]);
  return adminReview(env, id);
}

/** One review as staff see it, or 404. */
export async function adminReview(env: Env, id: string): Promise<AdminReview> {
  const row = await env.DB.prepare(
    `SELECT ${REVIEW_COLUMNS}, p.name AS product_name, p.slug AS product_slug FROM ${REVIEW_FROM} JOIN products p ON p.id = r.product_id WHERE r.id = ?`,
  )
    .bind(id)
    .first<ReviewRow & { product_name: string; product_slug: string }>();
  if (!row) throw notFound();
  const reports = await env.DB.prepare("SELECT reason, note, created_at FROM review_reports WHERE review_id = ? AND resolved_at IS NULL ORDER BY created_at")
    .bind(id)
    .all<{ reason: AdminReview["reports"][number]["reason"]; note: string | null; created_at: string }>();
  return {
    ...toReview(row, (await storeSettings(env)).storeName),
    productName: row.product_name,
    productSlug: row.product_slug,
    userId: row.user_id,
    rejectReason: row.reject_reason,
    openReports: row.open_reports,
    reports: reports.results.map((r) => ({ reason: r.reason, note: r.note, createdAt: r.created_at })),
  };
}
