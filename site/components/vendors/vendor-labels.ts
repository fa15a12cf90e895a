import type { LedgerKind } from "../../../worker/vendors";

/** How each vendor order status reads to a seller. */
export const VENDOR_ORDER_TEXT: Record<string, string> = {
  pending_payment: "Awaiting payment",
  paid: "To ship",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
};

/** Badge tone per vendor order status (the admin badge's data-tone). */
export const VENDOR_ORDER_TONE: Record<string, string | undefined> = { paid: "warn", shipped: undefined, delivered: "good", cancelled: "bad" };

/** How each ledger entry reads on a seller's statement. */
export const LEDGER_TEXT: Record<LedgerKind, string> = {
  sale: "Sale",
  commission: "Commission",
  refund: "Refund",
  commission_refund: "Commission returned",
  transfer: "Payout",
  transfer_reversal: "Payout reversed",
  adjustment: "Adjustment",
};

/** How each payout method reads. */
export const PAYOUT_METHOD_TEXT: Record<string, string> = { stripe_connect: "Stripe transfer", manual: "Bank transfer (manual)" };

/** Badge tone per payout status (the admin badge's data-tone). */
export const PAYOUT_STATUS_TONE: Record<string, string | undefined> = { pending: "warn", paid: "good", failed: "bad" };

/** How each member role reads on the team page. */
export const MEMBER_ROLE_TEXT: Record<string, string> = { owner: "Owner", catalog: "Catalog", orders: "Orders", finance: "Finance" };

/** What each capability lets a member do, as the team page lists it. */
export const CAPABILITY_TEXT: Record<string, string> = {
  catalog: "Products and stock",
  orders: "Orders and returns",
  finance: "Payouts and ledger",
  settings: "Shop settings and team",
};
