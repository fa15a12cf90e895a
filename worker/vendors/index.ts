// The vendors domain's public surface: applications and the vendor lifecycle, who works for which vendor and
// what they may do there. Routes of later domains under `/api/vendor` scope every query with
// `requireVendor(c, capability)`.
export { requireVendor, type VendorCaller } from "./guard";
export {
  AcceptInvitationBody,
  AdminVendorQuery,
  type AdminVendorView,
  ChangeMemberRoleBody,
  InviteMemberBody,
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
  PAYOUT_PROVIDERS,
  type PayoutProvider,
  VENDOR_MEMBER_ROLES,
  VENDOR_STATUSES,
  type VendorMemberRole,
  type VendorStatus,
} from "./tables";
