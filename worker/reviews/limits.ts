import { AppError } from "../lib/errors";

/** Per-shopper limits on review writes, helpful votes and reports (each counted in its own RateLimiter object). */
export const REVIEW_LIMITS = {
  write: { limit: 10, windowSeconds: 60 * 60 },
  vote: { limit: 60, windowSeconds: 60 * 60 },
  report: { limit: 20, windowSeconds: 60 * 60 },
  photo: { limit: 20, windowSeconds: 60 * 60 },
} as const;

/**
 * Counts one `kind` action of the user in the rate-limit Durable Object (atomic, so parallel requests
 * cannot all pass) and throws 429 with Retry-After once over the limit. Called before any write.
 */
export async function countReviewAction(env: Env, kind: keyof typeof REVIEW_LIMITS, userId: string): Promise<void> {
  const { limit, windowSeconds } = REVIEW_LIMITS[kind];
  const result = await env.RATE_LIMITER.getByName(`reviews:${kind}:${userId}`).hit(limit, windowSeconds);
  if (!result.allowed)
    throw new AppError("reviews.rate_limited", 429, "Too many in a short time. Wait a little and try again.", [], {
      "Retry-After": String(result.retryAfterSeconds),
    });
}
