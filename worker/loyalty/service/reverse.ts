import { runBatch } from "../../lib/d1-batch";
import { newId } from "../../lib/ids";
import type { EarningRule } from "./earn";
import { pointsPerLine } from "./redeem";

/** One line of an order: its SKU and what was paid for it (line total less its discounts and points). */
export interface PaidLine {
  sku: string;
  paid: number;
}

/** A refund as loyalty needs to know it. */
export interface PointsRefund {
  orderId: string;
  /** Unique per refund (the payment and its refunded-so-far figure, or `cancel`): a replay writes nothing. */
  key: string;
  /** Every line of the order. */
  lines: PaidLine[];
  /**
   * The refunded lines and what was paid for the refunded units of each (a return). Null for a refund of
   * an amount: it is spread over all lines by what was paid for each, `amount / total` of it.
   */
  refunded: { sku: string; weight: number }[] | null;
  amount: number;
  total: number;
  /** The order is now refunded in full or cancelled: every line is taken back whole. */
  full: boolean;
  reason: string;
}

const COLUMNS = "id, user_id, kind, bucket, points, order_id, line, line_refunded, key, spend, currency, reason, created_at";

// How much of each line a refund covers: the named lines by what was paid for their refunded units, an amount over
// every line by its share of the order. Capped per line in SQL against what earlier refunds already covered.
function weightsOf(r: PointsRefund): Map<string, number> {
  const out = new Map<string, number>();
  if (r.full) {
    for (const l of r.lines) out.set(l.sku, l.paid);
  } else if (r.refunded) {
    for (const l of r.refunded) out.set(l.sku, (out.get(l.sku) ?? 0) + Math.max(0, l.weight));
  } else if (r.total > 0) {
    for (const l of r.lines) out.set(l.sku, Math.floor((l.paid * Math.min(r.amount, r.total)) / r.total));
  }
  return out;
}

/**
 * The ledger rows that take back an order's points for one refund, line by
 * line, for the refund's own D1 batch: of each refunded line, the points it
 * earned (from the rule stored at earning time) in the proportion of what was
 * paid for it that refunds have now covered, and the points redeemed on it in
 * the same proportion; a line refunded whole gives back exactly what it
 * earned and what was redeemed on it. Each statement computes its figure from
 * the ledger when it runs (D1 runs one statement at a time), so two refunds of
 * the same or of different lines at once never take back more than earned,
 * and the refund's key makes a replay write nothing. Reversals come out of
 * `pending` while the order waits for its return window, else `available`.
 * Empty for a guest's order or one without points.
 */
export async function orderPointsReversalStatements(env: Env, r: PointsRefund, now = Date.now()): Promise<D1PreparedStatement[]> {
  const [earn, redemption] = await Promise.all([
    env.DB.prepare("select user_id as userId, rule, currency from loyalty_entries where key = ?")
      .bind(`earn:${r.orderId}`)
      .first<{ userId: string; rule: string | null; currency: string | null }>(),
    env.DB.prepare("select user_id as userId, points, lines, currency from loyalty_redemptions where order_id = ? and status = 'committed'")
      .bind(r.orderId)
      .first<{ userId: string; points: number; lines: string | null; currency: string }>(),
  ]);
  const userId = earn?.userId ?? redemption?.userId;
  if (!userId) return [];
  const earned = earn?.rule ? ((JSON.parse(earn.rule) as EarningRule).lines ?? {}) : {};
  // Redemptions from before lines were kept: shared over the lines by what was paid for each.
  const redeemed = redemption
    ? redemption.lines
      ? (JSON.parse(redemption.lines) as Record<string, number>)
      : pointsPerLine(redemption.points, Object.fromEntries(r.lines.map((l) => [l.sku, Math.max(0, l.paid)])))
    : {};
  const currency = earn?.currency ?? redemption?.currency ?? null;
  const weights = weightsOf(r);
  const statements: D1PreparedStatement[] = [];
  for (const line of r.lines) {
    const weight = weights.get(line.sku) ?? 0;
    const e = earned[line.sku] ?? 0;
    const back = redeemed[line.sku] ?? 0;
    // A line nothing was paid for (points or discounts covered it all) can only be taken back whole.
    const paid = Math.max(0, line.paid);
    if ((weight <= 0 && !r.full) || (e === 0 && back === 0 && !earn)) continue;
    const basis = paid > 0 ? paid : 1;
    const cover = paid > 0 ? weight : r.full ? 1 : 0;
    if (cover <= 0) continue;
    statements.push(
      env.DB.prepare(
        `with prev as (
           select coalesce(sum(line_refunded), 0) as cum, coalesce(-sum(points), 0) as rev
             from loyalty_entries where order_id = ?1 and line = ?2 and kind = 'reverse'
         ), nxt as (select cum, rev, min(cast(?3 as integer), cum + cast(?4 as integer)) as cum2 from prev),
         calc as (select cum, rev, cum2, case when cum2 >= ?3 then cast(?5 as integer) else (cast(?5 as integer) * cum2) / cast(?3 as integer) end as target from nxt)
         insert into loyalty_entries (${COLUMNS})
         select ?6, ?7, 'reverse',
                case when exists (select 1 from loyalty_pending_orders where order_id = ?1) then 'pending' else 'available' end,
                -(max(target, rev) - rev), ?1, ?2, cum2 - cum, ?8, -(cum2 - cum) * ?9, ?10, ?11, ?12
           from calc where cum2 > cum
         on conflict(key) do nothing`,
      ).bind(r.orderId, line.sku, basis, cover, e, newId("lpe"), userId, `reverse:${r.orderId}:${line.sku}:${r.key}`, earn ? 1 : 0, currency, r.reason, now),
    );
    if (back > 0) {
      statements.push(
        env.DB.prepare(
          `with st as (
             select (select coalesce(sum(line_refunded), 0) from loyalty_entries where order_id = ?1 and line = ?2 and kind = 'reverse') as cum,
                    (select coalesce(sum(points), 0) from loyalty_entries where order_id = ?1 and line = ?2 and kind = 'return') as ret
           ), calc as (select ret, case when cum >= ?3 then cast(?4 as integer) else (cast(?4 as integer) * cum) / cast(?3 as integer) end as target from st)
           insert into loyalty_entries (${COLUMNS})
           select ?5, ?6, 'return', 'available', target - ret, ?1, ?2, 0, ?7, 0, ?8, ?9, ?10 from calc where target > ret
           on conflict(key) do nothing`,
        ).bind(
          r.orderId,
          line.sku,
          basis,
          back,
          newId("lpe"),
          userId,
          `return:${r.orderId}:${line.sku}:${r.key}`,
          currency,
          `Redeemed points returned: ${r.reason.toLowerCase()}`,
          now,
        ),
      );
    }
  }
  return statements;
}

/**
 * Takes back all of an order's points at once (a cancellation): what every
 * line earned, less what refunds took already, and every redeemed point not
 * yet returned. Idempotent.
 */
export async function reverseOrderPoints(env: Env, orderId: string, lines: PaidLine[], reason = "Order cancelled", now = Date.now()): Promise<void> {
  const statements = await orderPointsReversalStatements(env, { orderId, key: "cancel", lines, refunded: null, amount: 0, total: 0, full: true, reason }, now);
  if (statements.length) await runBatch(env.DB, statements);
}
