// The vendors domain's public surface: who works for which vendor and what they may do there. Routes of later
// domains under `/api/vendor` scope every query with `requireVendor(c, capability)`.
export { requireVendor, type VendorCaller } from "./guard";
export { memberCan, VENDOR_CAPABILITIES, type VendorCapability, type VendorMembership, vendorMembershipOf } from "./service/membership";
export { PAYOUT_PROVIDERS, type PayoutProvider, VENDOR_MEMBER_ROLES, VENDOR_STATUSES, type VendorMemberRole, type VendorStatus } from "./tables";
