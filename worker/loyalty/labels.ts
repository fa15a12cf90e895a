// Display strings of the points ledger, shared by the shopper's and the staff's pages (no server code here).
import type { LoyaltyEntryKind } from "./tables";

/** What each kind of ledger movement is called on a statement. */
export const ENTRY_KIND_LABELS: Record<LoyaltyEntryKind, string> = {
  earn: "Earned (pending)",
  mature: "Now available",
  redeem: "Redeemed",
  release: "Returned (not used)",
  reverse: "Taken back",
  return: "Returned",
  expire: "Expired",
  adjust: "Adjusted by the store",
  bonus: "Bonus",
};
