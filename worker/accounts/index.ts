/**
 * The accounts domain's public surface: who is calling (sessions for the API and for pages), the
 * signed-in user's own account and address book, and staff views of accounts. Other domains and
 * pages import accounts only through this file and `schema.ts` (and may read `tables.ts` in a join).
 */
export { authenticate, clearedSessionCookies, sessionCookies } from "./http";
export { getPageSession, renewPageSession } from "./page-session";
export { createAddress, deleteAddress, getAddress, getDefaultShippingAddress, listAddresses, updateAddress } from "./service/addresses";
export { changeUserRole, changeUserStatus, listUsers, staffViewOfUser } from "./service/admin-users";
export {
  changePassword,
  completeSignIn,
  completeSignInWithPasskey,
  confirmPasswordReset,
  login,
  type RequestContext,
  requestContextOf,
  requestPasswordReset,
  resendVerification,
  verifyEmail,
} from "./service/auth";
export { availableProviders, type OAuthProvider } from "./service/oauth";
export { confirmRegistration, REGISTRATION_STARTED, register } from "./service/registration";
export {
  confirmTotpEnrollment,
  reauthenticate,
  regenerateRecoveryCodes,
  removeTotp,
  requireFreshSecondFactor,
  secondFactorStatus,
  startTotpEnrollment,
} from "./service/second-factor";
export {
  listPasskeys,
  passkeyRegistrationOptions,
  passkeyReauthOptions,
  passkeySignInOptions,
  reauthenticateWithPasskey,
  registerPasskey,
  removePasskey,
  renamePasskey,
} from "./service/passkeys";
export { endOtherSessions, endOwnSession, type IssuedSession, listSessions, signOut } from "./service/sessions";
export { assignStaffRole, createStaffRole, deleteStaffRole, listStaffRoles, updateStaffRole } from "./service/staff-roles";
export { accountOf, listActiveAdminEmails, toUser, updateProfile } from "./service/users";
export { setMarketplaceRole } from "./service/vendor-role";
export { countAttempt, type Limit } from "./rate-limit";
export { hashOpaqueToken } from "./tokens";
