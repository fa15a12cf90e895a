// Loyalty's public surface: the points ledger, tiers, earning and redeeming rules.
export * from "./schema";
export { adjustPoints } from "./service/admin";
export { reviewBonusReversalStatement, reviewBonusStatement } from "./service/bonuses";
export { awardBirthdayBonuses, awardSignUpBonuses, expireInactivePoints, runLoyaltySweeps } from "./service/cron";
export {
  awardBonus,
  type BonusKind,
  type EarningRule,
  earnOrderPoints,
  type MaturityCheck,
  maturePendingPoints,
} from "./service/earn";
export { orderPointsReversalStatements, type PaidLine, type PointsRefund, reverseOrderPoints } from "./service/reverse";
export { type Balance, balanceOf, loyaltySummary, pointsForSpend, tierFor } from "./service/ledger";
export {
  commitPoints,
  holdPoints,
  planRedemption,
  type PointsPlan,
  pointsOfOrder,
  pointsPerLine,
  redeemOptions,
  type RedeemOptions,
  releaseLapsedHolds,
  releasePoints,
} from "./service/redeem";
export { forgetLoyaltySettings, LOYALTY_DEFAULTS, loyaltySettings, updateLoyaltySettings } from "./service/settings";
