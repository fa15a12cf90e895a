import type { OrderStatus, ShipmentStatus } from "./tables";

/**
 * How order and parcel statuses read to people: one table for the API's
 * `statusText`, timeline notes, server pages and the live order island
 * (which is why this file imports types only).
 */
export const STATUS_TEXT: Record<OrderStatus, string> = {
  pending_payment: "Waiting for payment",
  paid: "Paid",
  fulfilling: "Being packed",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};

export const SHIPMENT_TEXT: Record<ShipmentStatus, string> = {
  label_created: "Label created",
  in_transit: "In transit",
  out_for_delivery: "Out for delivery",
  delivered: "Delivered",
  exception: "Delivery problem",
  returned: "Returned to sender",
};
