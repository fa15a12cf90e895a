import { newId } from "../../lib/ids";
import { entryStatement, guardedEntryStatement } from "./ledger";
import { loyaltySettings } from "./settings";

// One review bonus per customer and product, ever: a review rewritten, or removed and written again, earns nothing more.
const reviewKey = (userId: string, productId: string) => `bonus:review:${userId}:${productId}`;

/**
 * The ledger row of the review bonus for a customer's published review of a
 * product, for the publishing batch (null when the bonus is off or the
 * program paused). Written once per customer and product: a replay, an edit
 * or a second publication adds nothing. With `afterInsert`, the row is
 * written only if the statement just before it in the batch changed a row
 * (`changes() = 1`): placed right after the review's `insert … on conflict
 * do nothing`, a review that lost a race to a twin earns nothing.
 */
export async function reviewBonusStatement(
  env: Env,
  userId: string,
  productId: string,
  now = Date.now(),
  options: { afterInsert?: boolean } = {},
): Promise<D1PreparedStatement | null> {
  const s = await loyaltySettings(env);
  if (!s.enabled || s.reviewBonus <= 0) return null;
  const entry = {
    userId,
    kind: "bonus" as const,
    bucket: "available" as const,
    points: s.reviewBonus,
    key: reviewKey(userId, productId),
    reason: "Bonus for a review",
    at: now,
  };
  return options.afterInsert ? guardedEntryStatement(env.DB, entry) : entryStatement(env.DB, entry);
}

/**
 * Takes a review bonus back when the review is removed (deleted, or rejected
 * by staff): exactly the points that were given, once, whatever the rules say
 * now; nothing when no bonus was given. For the removing batch.
 */
export function reviewBonusReversalStatement(env: Env, userId: string, productId: string, now = Date.now()): D1PreparedStatement {
  return env.DB.prepare(
    "insert into loyalty_entries (id, user_id, kind, bucket, points, key, spend, reason, created_at) " +
      "select ?, user_id, 'reverse', 'available', -points, ?, 0, 'Review removed: its bonus taken back', ? from loyalty_entries where key = ? " +
      "on conflict(key) do nothing",
  ).bind(newId("lpe"), `${reviewKey(userId, productId)}:reversed`, now, reviewKey(userId, productId));
}
