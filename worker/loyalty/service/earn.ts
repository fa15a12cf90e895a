import { runBatch } from "../../lib/d1-batch";
import { newId } from "../../lib/ids";
import { entryStatement, pointsForSpend, spendOf, tierFor } from "./ledger";
import { loyaltySettings } from "./settings";

/** The rule an earning was made under, stored with it so a later reversal takes back exactly what it gave. */
export interface EarningRule {
  pointsPerUnit: number;
  multiplierPermille: number;
  tier: string;
  /** Points per order line (by SKU), summing to the earning. */
  lines: Record<string, number>;
}

/**
 * Earns points for a paid order: per line, on what was paid for it (line
 * total less its share of discounts and points), under the rule in force and
 * the shopper's tier now, stored with the entry. The points are pending until
 * the order is delivered and its return window has passed. Idempotent per
 * order; guests and a paused program earn nothing.
 */
export async function earnOrderPoints(
  env: Env,
  order: { id: string; userId: string | null; currency: string; lines: { sku: string; lineTotal: number; discountTotal: number }[] },
  now = Date.now(),
): Promise<number> {
  if (!order.userId) return 0;
  const s = await loyaltySettings(env);
  if (!s.enabled) return 0;
  const { tier } = tierFor(s, await spendOf(env, order.userId, now));
  const lines: Record<string, number> = {};
  let spend = 0;
  for (const l of order.lines) {
    const net = l.lineTotal - l.discountTotal;
    spend += net;
    lines[l.sku] = pointsForSpend(net, order.currency, s.pointsPerUnit, tier.multiplierPermille);
  }
  const points = Object.values(lines).reduce((a, b) => a + b, 0);
  const rule: EarningRule = { pointsPerUnit: s.pointsPerUnit, multiplierPermille: tier.multiplierPermille, tier: tier.name, lines };
  await runBatch(env.DB, [
    entryStatement(env.DB, {
      userId: order.userId,
      kind: "earn",
      bucket: "pending",
      points,
      key: `earn:${order.id}`,
      orderId: order.id,
      rule,
      spend,
      currency: order.currency,
      reason: "Earned on an order",
      at: now,
    }),
    env.DB.prepare("insert into loyalty_pending_orders (order_id, user_id, created_at) values (?, ?, ?) on conflict(order_id) do nothing").bind(
      order.id,
      order.userId,
      now,
    ),
  ]);
  return points;
}

/**
 * Answers which of these orders are past their return window (delivered, window over). Deliveries and the
 * window belong to later domains, so the caller (the cron) passes the check in.
 */
export type MaturityCheck = (env: Env, orderIds: string[], now: number) => Promise<Set<string>>;

/**
 * Moves pending points to available for orders whose return window has
 * passed (the cron): one pair of entries per order, keyed by it, so a rerun
 * moves nothing twice. Orders whose pending points were all reversed just
 * stop waiting.
 */
export async function maturePendingPoints(env: Env, maturityCheck: MaturityCheck, now = Date.now()): Promise<number> {
  const rows = await env.DB.prepare(
    "select p.order_id as orderId, p.user_id as userId, coalesce((select sum(points) from loyalty_entries e where e.order_id = p.order_id and e.bucket = 'pending'), 0) as pending " +
      "from loyalty_pending_orders p order by p.created_at limit 200",
  ).all<{ orderId: string; userId: string; pending: number }>();
  if (!rows.results.length) return 0;
  const due = await maturityCheck(
    env,
    rows.results.map((r) => r.orderId),
    now,
  );
  let moved = 0;
  for (const r of rows.results) {
    if (!due.has(r.orderId)) continue;
    const at = now;
    const reason = "Return window over: points available";
    // The amount is read when the batch runs, not from the list above: a refund reversing pending points in between
    // is counted, so pending ends at exactly 0. Reversals after this batch come out of available.
    await runBatch(env.DB, [
      env.DB.prepare(
        "insert into loyalty_entries (id, user_id, kind, bucket, points, order_id, key, spend, reason, created_at) " +
          "select ?, ?, 'mature', 'pending', -s, ?, ?, 0, ?, ? from (select coalesce(sum(points), 0) as s from loyalty_entries where order_id = ? and bucket = 'pending') " +
          "where s != 0 on conflict(key) do nothing",
      ).bind(newId("lpe"), r.userId, r.orderId, `mature:${r.orderId}:pending`, reason, at, r.orderId),
      env.DB.prepare(
        "insert into loyalty_entries (id, user_id, kind, bucket, points, order_id, key, spend, reason, created_at) " +
          "select ?, user_id, 'mature', 'available', -points, order_id, ?, 0, reason, created_at from loyalty_entries where key = ? on conflict(key) do nothing",
      ).bind(newId("lpe"), `mature:${r.orderId}:available`, `mature:${r.orderId}:pending`),
      env.DB.prepare("delete from loyalty_pending_orders where order_id = ?").bind(r.orderId),
    ]);
    moved += r.pending;
  }
  return moved;
}

export type BonusKind = "sign_up" | "review" | "birthday";

/**
 * Awards a configured bonus once per occasion (`occasion` makes it unique:
 * the user for a sign-up, the review id, the birthday's year). Available at
 * once. Answers the points given (0 when configured off or given before).
 */
export async function awardBonus(env: Env, userId: string, kind: BonusKind, occasion: string, now = Date.now()): Promise<number> {
  const s = await loyaltySettings(env);
  const points = !s.enabled ? 0 : kind === "sign_up" ? s.signUpBonus : kind === "review" ? s.reviewBonus : s.birthdayBonus;
  if (points <= 0) return 0;
  const reason = kind === "sign_up" ? "Welcome bonus" : kind === "review" ? "Bonus for a review" : "Birthday bonus";
  const [r] = await runBatch(env.DB, [
    entryStatement(env.DB, { userId, kind: "bonus", bucket: "available", points, key: `bonus:${kind}:${occasion}`, reason, at: now }),
  ]);
  return (r?.meta.changes ?? 0) > 0 ? points : 0;
}
