// Orders' public surface: what pages, checkout and later domains may call.

export { accessOrder, guestLinkExpiresAt, newOrderAccessToken, type OrderAccess, orderAccessToken, orderPageUrl } from "./access";
export { ORDER_ACCESS_COOKIE, orderAccessCookie, orderAccessCookieToken } from "./access-cookie";
export { actorColumn, actorLabel, actors, isShopper, parseActor, type TimelineActor } from "./actor";
export { CARRIERS, carrierName } from "./carriers";
export { assertUnitsPerSku, claimHoldSlots, HOLD_LIMIT_DEFAULTS, type HoldLimits, holdLimits, releaseHoldSlots } from "./hold-limits";
export { SHIPMENT_TEXT, STATUS_TEXT } from "./labels";
export * from "./schema";
export { adminOrderDetail, listOrdersForAdmin } from "./service/admin";
export { type OrderEmailSuggestions, registerOrderEmailSuggestions } from "./service/emails";
export { type GuestLinkChange, renewGuestLink, replaceGuestLink } from "./service/guest-link";
export { addOrderNote, cancelOrder, markDelivered, markFulfilling, transitionOrder } from "./service/lifecycle";
export {
  type ChangeContext,
  canTransition,
  FINAL_STATUSES,
  getOrder,
  isCancellable,
  listOrdersForUser,
  NEXT,
  newOrderStatements,
  type OrderDetail,
  type OrderRow,
  orderAddressContext,
  orderDetail,
  timelineStatement,
  touchOrder,
  transitionStatements,
} from "./service/orders";
export { applyPaymentOutcome, applyStripeWebhook, applyTestPayment, testPaymentOf } from "./service/payment-outcome";
export { expireAbandonedPayments, RECONCILE_WINDOW_MS, type ReconcileResult, reconcileStripePayments, type SweepResult } from "./service/reconcile";
export { type RefundLine, refundOrder } from "./service/refunds";
export { applyTrackingEvent, createShipment, registerUnmatchedTracking, type TrackingUpdate, type UnmatchedTrackingHandler } from "./service/shipments";
export { orderTracking } from "./service/tracking";
export {
  groupBySeller,
  listVendorOrders,
  type SellerGroup,
  type SellerGroupView,
  sellerGroupsOf,
  sellersOfProducts,
  shipVendorOrder,
  type VendorOrderDetail,
  vendorOrderDetail,
  vendorOrderStatements,
  vendorSalesSummary,
} from "./service/vendor-orders";
export { ORDER_STATUSES, type OrderStatus, VENDOR_ORDER_STATUSES, type VendorOrderStatus } from "./tables";
export { detailTotalLines, type OrderTotalLine, type OrderTotalsInput, orderTotalLines } from "./totals";
