// The returns domain's public surface: return requests and their staff flow, return rules, policy pages.
export { loyaltyMaturityCheck } from "./loyalty-maturity";
export { type Block, type Inline, parsePolicyMarkdown } from "./markdown";
export { RETURN_STATUS_TEXT, returnPromiseText } from "./labels";
export * from "./schema";
export { getPolicy, listPolicies, POLICY_TITLES, updatePolicy } from "./service/policies";
export { DEFAULT_RETURN_SETTINGS, returnSettings, updateReturnSettings } from "./service/settings";
export { EXCHANGE_HOLD_MS, exchangeHoldId, exchangeOrderId, shipExchange } from "./service/exchange";
export { canReturnTransition, RETURN_NEXT, returnPath } from "./service/shared";
export { addReturnPhoto, RETURN_PHOTO_LIMIT, readReturnPhoto } from "./service/photos";
export { addReturnTracking, orderReturns, requestReturn, returnableLines, returnForOrder } from "./service/shopper";
export {
  adminReturnDetail,
  approveReturn,
  closeReturn,
  inspectReturnLine,
  listReturnsForAdmin,
  markReturnReceived,
  refundReturn,
  rejectReturn,
  returnsOfOrder,
} from "./service/staff";
export { applyReturnTracking } from "./service/tracking";
export { listVendorReturns, vendorReturnDetail } from "./service/vendor";
export { POLICY_SLUGS, type PolicySlug, RETURN_STATUSES, type ReturnStatus } from "./tables";
