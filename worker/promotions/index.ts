// Promotions' public surface: discount codes and automatic discounts, evaluated for carts and orders, with
// exact usage limits through one PromotionCounter Durable Object per promotion.
export {
  allocateLargestRemainder,
  type AppliedPromotion,
  type EvalLine,
  type Evaluation,
  evaluatePromotions,
  netPaymentLines,
  type PromotionConditions,
  type PromotionRule,
  refusalMessage,
} from "./engine";
export * from "./schema";
export { createPromotion, duplicatePromotion, getPromotion, listPromotions, updatePromotion } from "./service/admin";
export {
  applyCartCode,
  type CartEvaluation,
  cartPromotions,
  cartPromotionsView,
  carryCartCode,
  customerKeyOf,
  evaluateCart,
  forgetCartCode,
  type PricedLine,
  registerPriorOrdersCheck,
  removeCartCode,
  type Shopper,
} from "./service/evaluate";
export {
  commitPromotionUses,
  type HeldUse,
  promotionsOfOrder,
  redemptionStatements,
  releasePromotionUses,
  releaseUses,
  reservePromotionUses,
} from "./service/uses";
