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
