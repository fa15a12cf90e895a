import { runBatch } from "../../lib/d1-batch";
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

interface OrderPoints {
  userId: string;
  earned: number;
  spend: number;
  reversed: number;
  spendReversed: number;
  redeemed: number;
  returned: number;
  pendingNow: number;
  stillPending: boolean;
}

async function orderPoints(env: Env, orderId: string): Promise<OrderPoints | null> {
  const row = await env.DB.prepare(
    `select
       max(user_id) as userId,
       coalesce(sum(case when kind = 'earn' then points end), 0) as earned,
       coalesce(sum(case when kind = 'earn' then spend end), 0) as spend,
       coalesce(-sum(case when kind = 'reverse' then points end), 0) as reversed,
       coalesce(-sum(case when kind = 'reverse' then spend end), 0) as spendReversed,
       coalesce(sum(case when bucket = 'pending' then points end), 0) as pendingNow,
       (select count(*) from loyalty_pending_orders where order_id = ?1) as stillPending,
       (select points from loyalty_redemptions where order_id = ?1 and status = 'committed') as redeemed,
       coalesce(sum(case when kind = 'return' then points end), 0) as returned
     from loyalty_entries where order_id = ?1`,
  )
    .bind(orderId)
    .first<Omit<OrderPoints, "stillPending"> & { userId: string | null; stillPending: number; redeemed: number | null }>();
  if (!row?.userId) return null;
  return { ...row, userId: row.userId, redeemed: row.redeemed ?? 0, stillPending: row.stillPending > 0 };
}

/** `part × refunded / total`, rounded down; the whole part once everything is refunded. */
function share(part: number, refunded: number, total: number): number {
  if (total <= 0 || refunded >= total) return part;
  return Math.floor((part * refunded) / total);
}

/**
 * Brings an order's points in line with what was refunded of it: of the
 * points it earned, the share refunded is taken back (from pending while
 * the order is in its return window, else from available); of the points
 * it redeemed, the same share is returned. Cumulative and keyed by the
 * target, so any sequence of partial refunds ends exactly at "all earned
 * points reversed, all redeemed points returned" when everything is refunded,
 * and a replay adds nothing. A cancelled order counts as refunded in full;
 * points it still held at checkout are released.
 */
export async function reverseOrderPoints(
  env: Env,
  order: { id: string; grandTotal: number; refunded: number; cancelled?: boolean },
  now = Date.now(),
): Promise<void> {
  const p = await orderPoints(env, order.id);
  if (!p) return;
  const refunded = order.cancelled ? order.grandTotal : Math.min(order.refunded, order.grandTotal);
  const statements: D1PreparedStatement[] = [];
  const reverseTarget = share(p.earned, refunded, order.grandTotal);
  const spendTarget = share(p.spend, refunded, order.grandTotal);
  if (reverseTarget > p.reversed || spendTarget > p.spendReversed) {
    statements.push(
      entryStatement(env.DB, {
        userId: p.userId,
        kind: "reverse",
        bucket: p.stillPending ? "pending" : "available",
        points: -(reverseTarget - p.reversed),
        spend: -(spendTarget - p.spendReversed),
        key: `reverse:${order.id}:${reverseTarget}:${spendTarget}`,
        orderId: order.id,
        reason: order.cancelled ? "Order cancelled" : "Order refunded",
        at: now,
      }),
    );
  }
  const returnTarget = share(p.redeemed, refunded, order.grandTotal);
  if (returnTarget > p.returned) {
    statements.push(
      entryStatement(env.DB, {
        userId: p.userId,
        kind: "return",
        bucket: "available",
        points: returnTarget - p.returned,
        key: `return:${order.id}:${returnTarget}`,
        orderId: order.id,
        reason: order.cancelled ? "Redeemed points returned: order cancelled" : "Redeemed points returned: order refunded",
        at: now,
      }),
    );
  }
  if (statements.length) await runBatch(env.DB, statements);
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
    const statements: D1PreparedStatement[] = [];
    if (r.pending !== 0) {
      const base = { userId: r.userId, kind: "mature" as const, orderId: r.orderId, reason: "Return window over: points available", at: now };
      statements.push(entryStatement(env.DB, { ...base, bucket: "pending", points: -r.pending, key: `mature:${r.orderId}:pending` }));
      statements.push(entryStatement(env.DB, { ...base, bucket: "available", points: r.pending, key: `mature:${r.orderId}:available` }));
      moved += r.pending;
    }
    statements.push(env.DB.prepare("delete from loyalty_pending_orders where order_id = ?").bind(r.orderId));
    await runBatch(env.DB, statements);
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
