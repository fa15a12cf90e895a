import type { ReturnStatus } from "./tables";

/** Return statuses as a shopper and staff read them. */
export const RETURN_STATUS_TEXT: Record<ReturnStatus, string> = {
  requested: "Requested",
  approved: "Approved: send it back",
  rejected: "Declined",
  in_transit: "On its way back",
  received: "Received",
  refunded: "Refunded",
  exchanged: "Exchanged",
  closed: "Closed",
};

/** The store's return promise as pages print it ("Free 30-day returns", "60-day returns"), from the return settings. */
export function returnPromiseText(settings: { windowDays: number; shippingPaidBy: "store" | "customer" }): string {
  if (settings.windowDays <= 0) return "Returns by arrangement";
  return settings.shippingPaidBy === "store" ? `Free ${settings.windowDays}-day returns` : `${settings.windowDays}-day returns`;
}
