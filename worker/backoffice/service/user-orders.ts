import { desc, eq, sql } from "drizzle-orm";
import { staffViewOfUser } from "../../accounts";
import { getDb } from "../../db/client";
import { orders } from "../../orders/tables";
import type { UserOrdersQuery } from "../schema";

/**
 * A customer's orders for staff, newest first, beside the account page. A user id that does not
 * exist answers 404 like the account itself, so staff cannot tell "no orders" from "no such user".
 */
export async function listUserOrdersForStaff(env: Env, userId: string, { page, perPage }: UserOrdersQuery) {
  await staffViewOfUser(env, userId);
  const db = getDb(env.DB);
  const [rows, [count]] = await db.batch([
    db
      .select({
        id: orders.id,
        number: orders.number,
        status: orders.status,
        createdAt: orders.createdAt,
        grandTotal: orders.grandTotal,
        currency: orders.currency,
        itemCount: sql<number>`(select coalesce(sum(ol.quantity), 0) from order_lines ol where ol.order_id = "orders"."id")`,
      })
      .from(orders)
      .where(eq(orders.userId, userId))
      .orderBy(desc(orders.createdAt))
      .limit(perPage)
      .offset((page - 1) * perPage),
    db.select({ n: sql<number>`count(*)` }).from(orders).where(eq(orders.userId, userId)),
  ]);
  return {
    items: rows.map(({ grandTotal, currency, ...o }) => ({ ...o, grandTotal: { amount: grandTotal, currency } })),
    total: count?.n ?? 0,
    page,
    perPage,
  };
}
