import { and, asc, eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { STATUS_TEXT } from "../labels";
import type { OrderTracking } from "../schema";
import { actorLabel } from "../actor";
import { FINAL_STATUSES, isCancellable, type OrderRow, shipmentsOf } from "./orders";
import { orderEvents } from "../tables";

/** The part of an order page that changes while it is open: cheap to read (no address decryption), polled by the page. */
export async function orderTracking(env: Env, order: OrderRow): Promise<OrderTracking> {
  const events = await getDb(env.DB)
    .select()
    .from(orderEvents)
    .where(and(eq(orderEvents.orderId, order.id), eq(orderEvents.internal, 0)))
    .orderBy(asc(orderEvents.at));
  const parcels = await shipmentsOf(env.DB, order.id);
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    statusText: STATUS_TEXT[order.status] ?? order.status,
    final: FINAL_STATUSES.includes(order.status),
    cancellable: isCancellable(order.status, parcels.length),
    updatedAt: order.updatedAt,
    refunded: { amount: order.refundedTotal, currency: order.currency },
    timeline: events.map((e) => ({ kind: e.kind, status: e.status, at: e.at, by: actorLabel(e.actor), note: e.note })),
    shipments: parcels,
  };
}
