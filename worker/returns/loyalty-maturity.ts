import type { MaturityCheck } from "../loyalty";
import { returnSettings } from "./service/settings";

const DAY_MS = 86_400_000;

/**
 * Which orders' earned points may become available: delivered (by a tracked shipment, or marked by staff)
 * longer ago than the return window, or cancelled/refunded without ever arriving. Loyalty cannot see
 * deliveries or the window (both later in the layer order), so the cron passes this check to it.
 */
export const loyaltyMaturityCheck: MaturityCheck = async (env, orderIds, now) => {
  if (!orderIds.length) return new Set();
  const { windowDays } = await returnSettings(env);
  const placeholders = orderIds.map(() => "?").join(",");
  const rows = await env.DB.prepare(
    `select o.id as id, o.status as status, o.updated_at as updatedAt, (select max(s.delivered_at) from shipments s where s.order_id = o.id and s.status = 'delivered') as deliveredAt
       from orders o where o.id in (${placeholders}) and o.status in ('delivered', 'partially_refunded', 'refunded', 'cancelled')`,
  )
    .bind(...orderIds)
    .all<{ id: string; status: string; updatedAt: string; deliveredAt: string | null }>();
  const due = new Set<string>();
  for (const r of rows.results) {
    // Marked delivered by staff without a tracked shipment: the window runs from that change.
    const delivered = r.deliveredAt ?? (r.status === "delivered" ? r.updatedAt : null);
    // A cancelled or refunded order that never arrived has nothing left to wait for.
    if (!delivered || Date.parse(delivered) + windowDays * DAY_MS <= now) due.add(r.id);
  }
  return due;
};
