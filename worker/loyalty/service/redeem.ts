import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { formatMoney } from "../../lib/money";
import { allocateLargestRemainder } from "../../promotions";
import { balanceOf, guardedDebitStatement } from "./ledger";
import { loyaltySettings } from "./settings";

/** Points an order will redeem and what they take off its goods. */
export interface PointsPlan {
  points: number;
  value: number;
}

/**
 * The points of a redemption shared over the order's lines in proportion to the value each line took
 * (largest remainder, so they add up to `points`): what a refund of a line gives back.
 */
export function pointsPerLine(points: number, lineValues: Record<string, number>): Record<string, number> {
  const skus = Object.keys(lineValues);
  const parts = allocateLargestRemainder(
    points,
    skus.map((sku) => lineValues[sku] ?? 0),
  );
  return Object.fromEntries(skus.map((sku, i) => [sku, parts[i] ?? 0]));
}

const problem = (code: string, status: 400 | 401 | 409, message: string, detail: string) =>
  new AppError(code, status, message, [{ path: "redeemPoints", message: detail }]);

/**
 * Checks a checkout's `redeemPoints` against the program's rules and the
 * shopper's balance, and answers what they are worth. `goods` is what the
 * lines cost after the other discounts (minor units). Refusals are problems
 * naming `redeemPoints`: 401 for guests, 400 outside the minimum, the maximum
 * or the share of the goods points may pay for, 409 when the balance is short.
 * The balance read here is advisory; `holdPoints` decides under concurrency.
 */
export async function planRedemption(env: Env, userId: string | null, points: number, goods: number, currency: string): Promise<PointsPlan> {
  const s = await loyaltySettings(env);
  if (!s.enabled) throw problem("loyalty.disabled", 409, "The loyalty program is paused.", "Not available");
  if (!userId) throw problem("loyalty.sign_in_required", 401, "Sign in to redeem points.", "Sign in first");
  if (points < s.minRedeemPoints) throw problem("loyalty.below_minimum", 400, `Redeem at least ${s.minRedeemPoints} points.`, `At least ${s.minRedeemPoints}`);
  if (points > s.maxRedeemPoints)
    throw problem("loyalty.above_maximum", 400, `Redeem at most ${s.maxRedeemPoints} points per order.`, `At most ${s.maxRedeemPoints}`);
  const value = points * s.pointValue;
  const cap = Math.floor((goods * s.maxRedeemPercent) / 100);
  if (value > cap) {
    const most = Math.floor(cap / Math.max(1, s.pointValue));
    throw problem(
      "loyalty.above_order_share",
      400,
      `Points may pay for at most ${s.maxRedeemPercent}% of this order's items (${formatMoney({ amount: cap, currency })}): up to ${most} points.`,
      `At most ${most}`,
    );
  }
  const { available } = await balanceOf(env, userId);
  if (available < points)
    throw problem("loyalty.insufficient_points", 409, `You have ${Math.max(0, available)} points available.`, `Only ${Math.max(0, available)} available`);
  return { points, value };
}

/** What a shopper may redeem on one order: the balance, what a point is worth and the most this order takes. */
export interface RedeemOptions {
  available: number;
  pointValue: number;
  minPoints: number;
  /** The most points this order may redeem: the per-order maximum, the balance and the share of the goods, whichever is least. */
  maxPoints: number;
  maxPercent: number;
  /** False when the program is paused or `maxPoints` is below the minimum. */
  usable: boolean;
}

/**
 * The checkout page's points field: the shopper's available balance and the
 * cap for an order whose goods cost `goods` after other discounts, from the
 * same rules `planRedemption` enforces. Null when the program is paused.
 */
export async function redeemOptions(env: Env, userId: string, goods: number): Promise<RedeemOptions | null> {
  const s = await loyaltySettings(env);
  if (!s.enabled) return null;
  const { available } = await balanceOf(env, userId);
  const byShare = Math.floor(Math.floor((Math.max(0, goods) * s.maxRedeemPercent) / 100) / Math.max(1, s.pointValue));
  const maxPoints = Math.max(0, Math.min(s.maxRedeemPoints, available, byShare));
  return {
    available,
    pointValue: s.pointValue,
    minPoints: s.minRedeemPoints,
    maxPoints,
    maxPercent: s.maxRedeemPercent,
    usable: maxPoints >= s.minRedeemPoints && maxPoints > 0,
  };
}

/**
 * Holds an order's points: the debit and the order's redemption row commit
 * together, and the debit is written only if the available balance covers it
 * at that moment (one guarded statement), so concurrent checkouts can never
 * spend the same points twice. 409 `loyalty.insufficient_points` otherwise.
 * `lineValues` (what the points took off each line, by SKU) is kept so a refund of some lines gives back
 * the points spent on those lines.
 */
export async function holdPoints(
  env: Env,
  order: { id: string; userId: string; currency: string; expiresAt: number },
  plan: PointsPlan,
  lineValues?: Record<string, number>,
): Promise<void> {
  const now = Date.now();
  const lines = lineValues ? JSON.stringify(pointsPerLine(plan.points, lineValues)) : null;
  const [debit] = await runBatch(env.DB, [
    guardedDebitStatement(env.DB, {
      userId: order.userId,
      kind: "redeem",
      bucket: "available",
      points: -plan.points,
      key: `redeem:${order.id}`,
      orderId: order.id,
      currency: order.currency,
      reason: "Redeemed at checkout",
      at: now,
    }),
    env.DB.prepare(
      "insert into loyalty_redemptions (order_id, user_id, points, value, currency, lines, status, hold_expires_at) " +
        "select ?, ?, ?, ?, ?, ?, 'held', ? where exists (select 1 from loyalty_entries where key = ?) on conflict(order_id) do nothing",
    ).bind(order.id, order.userId, plan.points, plan.value, order.currency, lines, order.expiresAt, `redeem:${order.id}`),
  ]);
  if ((debit?.meta.changes ?? 0) === 0) {
    const { available } = await balanceOf(env, order.userId);
    throw problem("loyalty.insufficient_points", 409, `You have ${Math.max(0, available)} points available.`, `Only ${Math.max(0, available)} available`);
  }
}

/**
 * Gives an order's held points back (order cancelled, payment failed or its
 * hold expired). Idempotent: the credit is written once, keyed by the order.
 */
export async function releasePoints(env: Env, orderId: string, reason = "Order cancelled"): Promise<void> {
  await runBatch(env.DB, [
    env.DB.prepare(
      "insert into loyalty_entries (id, user_id, kind, bucket, points, order_id, key, currency, reason, spend, created_at) " +
        "select ?, user_id, 'release', 'available', points, order_id, ?, currency, ?, 0, ? from loyalty_redemptions where order_id = ? and status = 'held' " +
        "on conflict(key) do nothing",
    ).bind(`lpe_r${orderId}`, `release:${orderId}`, reason, Date.now(), orderId),
    env.DB.prepare("update loyalty_redemptions set status = 'released', updated_at = ? where order_id = ? and status = 'held'").bind(
      new Date().toISOString(),
      orderId,
    ),
  ]);
}

/**
 * Commits an order's points once it is paid (idempotent). Points whose hold
 * lapsed before the payment arrived are taken again even if the balance went
 * below them since: the shopper paid the reduced price, and the ledger must
 * match the money.
 */
export async function commitPoints(env: Env, orderId: string): Promise<void> {
  await runBatch(env.DB, [
    env.DB.prepare(
      "insert into loyalty_entries (id, user_id, kind, bucket, points, order_id, key, currency, reason, spend, created_at) " +
        "select ?, user_id, 'redeem', 'available', -points, order_id, ?, currency, 'Redeemed (paid after the hold lapsed)', 0, ? from loyalty_redemptions " +
        "where order_id = ? and status = 'released' on conflict(key) do nothing",
    ).bind(`lpe_c${orderId}`, `redeem-again:${orderId}`, Date.now(), orderId),
    env.DB.prepare("update loyalty_redemptions set status = 'committed', updated_at = ? where order_id = ? and status in ('held', 'released')").bind(
      new Date().toISOString(),
      orderId,
    ),
  ]);
}

/** The points an order redeemed (null when none), for order pages, emails and totals. */
export async function pointsOfOrder(env: Env, orderId: string): Promise<{ points: number; value: number; status: string } | null> {
  return env.DB.prepare("select points, value, status from loyalty_redemptions where order_id = ?")
    .bind(orderId)
    .first<{ points: number; value: number; status: string }>();
}

/** Releases held points whose checkout never produced a payable order (the hold's time passed). */
export async function releaseLapsedHolds(env: Env, now = Date.now()): Promise<number> {
  const rows = await env.DB.prepare("select order_id from loyalty_redemptions where status = 'held' and hold_expires_at < ? limit 200")
    .bind(now)
    .all<{ order_id: string }>();
  for (const r of rows.results) await releasePoints(env, r.order_id, "Checkout not completed in time");
  return rows.results.length;
}
