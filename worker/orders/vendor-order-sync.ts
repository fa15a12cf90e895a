import type { OrderStatus, VendorOrderStatus } from "./tables";

// Statements that keep vendor orders in step with their order and parcels. They live apart from the services
// so the order's own transitions and tracking can include them in their batches without an import circle.

/**
 * What the vendor orders do when their order moves to `to`, for the same batch as the order's transition.
 * Each update applies only if the order really is in `to` by then, so a transition that lost a race changes
 * no vendor order; and only from the statuses named, so replaying it changes nothing.
 */
export function vendorOrderFollowStatements(d1: D1Database, orderId: string, to: OrderStatus, at: string) {
  const follow = (next: VendorOrderStatus, from: VendorOrderStatus[], extra = "") =>
    d1
      .prepare(
        `update vendor_orders set status = ?1, updated_at = ?2${extra}
          where order_id = ?3 and status in (${from.map((s) => `'${s}'`).join(", ")})
            and exists (select 1 from orders where id = ?3 and status = ?4)`,
      )
      .bind(next, at, orderId, to);
  switch (to) {
    case "paid":
      return [follow("paid", ["pending_payment"])];
    case "cancelled":
    case "refunded":
      // A parcel already on its way stays shipped; the money side (ledger) follows the refund itself.
      return [follow("cancelled", ["pending_payment", "paid"])];
    case "delivered":
      return [follow("delivered", ["shipped"], ", delivered_at = coalesce(delivered_at, ?2)")];
    default:
      return [];
  }
}

/** Marks the vendor order of a parcel delivered once the parcel is, for the tracking event's batch. Idempotent. */
export function vendorParcelDeliveredStatement(d1: D1Database, shipmentId: string, at: string) {
  return d1
    .prepare(
      `update vendor_orders set status = 'delivered', delivered_at = ?1, updated_at = ?1
        where shipment_id = ?2 and status = 'shipped' and exists (select 1 from shipments where id = ?2 and status = 'delivered')`,
    )
    .bind(at, shipmentId);
}
