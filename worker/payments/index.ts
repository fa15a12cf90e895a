// Payments' public surface: providers, the payments ledger's reads and statement builders, charges.
// Stripe Connect also registers itself with the vendors domain as the payout transfer client.
export { applyConnectAccountEvent } from "./connect";
export { assertChargesSum, type ExtraCharge, extraCharges } from "./charges";
export { isStripeTestKey, paymentsUnavailableReason, stripeTestModeAllowed } from "./mode";
export { activeProvider, providerFor, testProvider } from "./providers";
export {
  PAYMENT_PROVIDERS,
  type PaymentOutcome,
  type PaymentProvider,
  type PaymentProviderName,
  type PaymentRow,
  type PaymentStatus,
  type StartPaymentInput,
  TestPaymentBody,
} from "./schema";
export {
  capturedPaymentOf,
  claimPaymentEvent,
  claimRefund,
  eventProcessedStatement,
  failPaymentsOfCancelledOrderStatement,
  failPendingPaymentStatement,
  findPayment,
  insertPaymentStatement,
  paymentRefundedStatement,
  paymentSucceededStatement,
  paymentsOfOrder,
  recordPaymentStart,
  refundPaymentOfCancelledOrderStatement,
  refundSettledStatement,
  refundThroughProvider,
  releaseRefundClaim,
  restoreCancelledRefundStatement,
} from "./service";
export { checkoutFormOrigins, closeCheckoutSession, readStripeEvent, sessionOutcome, stripeClient } from "./stripe";
