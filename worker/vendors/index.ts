// The vendors domain's public surface: applications and the vendor lifecycle, who works for which vendor and
// what they may do there. Routes of later domains under `/api/vendor` scope every query with
// `requireVendor(c, capability)`.
export { requireVendor, type VendorCaller } from "./guard";
export {
  AcceptInvitationBody,
  AdminVendorQuery,
  CommissionRuleBody,
  type CommissionRuleView,
  type AdminVendorView,
  ChangeMemberRoleBody,
  InviteMemberBody,
  MarkPayoutFailedBody,
  MarkPayoutPaidBody,
  PayoutListQuery,
  PayoutMessage,
  type PayoutAccountView,
  PayoutSettingsBody,
  type PayoutView,
  UpdateCommissionRuleBody,
  UpdateVendorSettingsBody,
  VendorApplicationBody,
  VendorReasonBody,
  type VendorReturnAddress,
  type VendorSettings,
  type VendorView,
} from "./schema";
export {
  adminVendorDetail,
  applyToSell,
  approveVendor,
  listVendorMembers,
  listVendorsForAdmin,
  myVendorApplication,
  reinstateVendor,
  rejectVendor,
  suspendVendor,
  vendorById,
} from "./service/applications";
export {
  allocate,
  bpsOf,
  type CommissionRule,
  type CommissionTarget,
  commissionRulesFor,
  pickRule,
  type SplitGroup,
  type SplitGroupResult,
  splitOrder,
} from "./service/commissions";
export { type LedgerEntry, ledgerEntryStatement, vendorBalance, vendorStatement, vendorStatementCsv } from "./service/ledger";
export {
  type CommissionTargetLookup,
  createCommissionRule,
  deleteCommissionRule,
  listCommissionRules,
  registerCommissionTargets,
  updateCommissionRule,
} from "./service/commission-rules";
export { applyConnectAccount, payoutAccountOf, refreshConnectAccount, setPayoutSettings, startConnectOnboarding } from "./service/payout-account";
export {
  DEFAULT_HOLD_DAYS,
  payoutHoldDays,
  planPayout,
  registerPayoutHold,
  type NextPayout,
  registerSaleBlock,
  registerSaleHoldStart,
  registerSaleRelease,
  type SaleHoldCondition,
  vendorPayoutSummary,
} from "./service/payout-balances";
export { markPayoutFailed, markPayoutPaid } from "./service/payout-manual";
export { reverseRefundedPayout } from "./service/payout-reversals";
export { type PayoutStep, queuePayoutRun, runPayout, sendPayoutMessages } from "./service/payout-runs";
export {
  type ConnectAccountState,
  type PayoutTransfers,
  payoutClient,
  registerPayoutTransfers,
  sendPayout,
  type TransferResult,
} from "./service/payout-transfers";
export { listPayouts, type OrderNumberLookup, payoutById, registerOrderNumbers } from "./service/payouts";
export { handlePayoutBatch, payoutRetryDelay } from "./payout-queue";
export { acceptInvitation, changeMemberRole, invitationPreview, inviteMember, removeMember, revokeInvitation, vendorTeam } from "./service/members";
export { memberCan, VENDOR_CAPABILITIES, type VendorCapability, type VendorMembership, vendorMembershipOf } from "./service/membership";
export { updateVendorSettings, vendorSettings } from "./service/settings";
export { existingVendorIds, type PublicVendor, publicVendorByHandle } from "./service/storefront";
export {
  COMMISSION_KINDS,
  COMMISSION_SCOPES,
  type CommissionKind,
  type CommissionScope,
  LEDGER_KINDS,
  type LedgerKind,
  PAYOUT_METHODS,
  PAYOUT_PROVIDERS,
  PAYOUT_STATUSES,
  type PayoutMethod,
  type PayoutProvider,
  type PayoutStatus,
  VENDOR_MEMBER_ROLES,
  VENDOR_STATUSES,
  type VendorMemberRole,
  type VendorStatus,
} from "./tables";
