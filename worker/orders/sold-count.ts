import type { OrderStatus } from "./tables";

/** Statuses whose units count as sold: paid and not (yet) cancelled or refunded in full. */
export const SOLD_STATUSES: readonly OrderStatus[] = ["paid", "fulfilling", "shipped", "delivered", "partially_refunded"];

const sold = SOLD_STATUSES.map((s) => `'${s}'`).join(", ");

/**
 * Two statements that bring `products.sold_count` in line with the order's status, to run at the END of the
 * same D1 batch that changes the status: the first flips `orders.sold_counted` only when it disagrees with
 * the status (after the batch's own status change), the second adds or takes back the order's units only if
 * that flip happened (`changes() = 1`). Running them again changes nothing, so retried webhooks, concurrent
 * cancellations and re-run sweeps never count an order twice.
 */
export function soldCountStatements(d1: D1Database, orderId: string): D1PreparedStatement[] {
  return [
    d1
      .prepare(
        `UPDATE orders SET sold_counted = 1 - sold_counted
         WHERE id = ?1 AND sold_counted <> (CASE WHEN status IN (${sold}) THEN 1 ELSE 0 END)`,
      )
      .bind(orderId),
    d1
      .prepare(
        `UPDATE products SET sold_count = max(0, sold_count
           + (CASE WHEN (SELECT sold_counted FROM orders WHERE id = ?1) = 1 THEN 1 ELSE -1 END)
           * (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_id = ?1 AND product_id = products.id))
         WHERE changes() = 1 AND id IN (SELECT product_id FROM order_lines WHERE order_id = ?1)`,
      )
      .bind(orderId),
  ];
}
