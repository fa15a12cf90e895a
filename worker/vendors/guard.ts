import type { Context } from "hono";
import { requireAuth } from "../lib/auth";
import type { AppEnv, AuthState } from "../lib/context";
import { AppError } from "../lib/errors";
import { memberCan, type VendorCapability, type VendorMembership, vendorMembershipOf } from "./service/membership";

/** The caller of a `/api/vendor` route: who they are and the one vendor every query of the route is scoped to. */
export interface VendorCaller {
  auth: AuthState;
  membership: VendorMembership;
  /** The vendor every read and write of this request is limited to. */
  vendorId: string;
}

/**
 * The signed-in member of a vendor allowed `capability` (omit it for reads any member may do). A vendor route
 * takes the vendor from here, never from the URL or body, so another vendor's ids simply are not found (404).
 * 401 anonymous; 403 when the user works for no vendor, the vendor is not active (pending, rejected:
 * `vendors.not_active`; a suspended vendor may still read), or the member role lacks the capability.
 */
export async function requireVendor(c: Context<AppEnv>, capability?: VendorCapability): Promise<VendorCaller> {
  const auth = requireAuth(c);
  const membership = await vendorMembershipOf(c.env, auth.principal.id);
  if (!membership) throw new AppError("vendors.not_a_member", 403, "Your account does not work for a vendor.");
  const readOnly = capability === undefined;
  if (membership.vendorStatus === "pending" || membership.vendorStatus === "rejected" || (membership.vendorStatus === "suspended" && !readOnly)) {
    throw new AppError("vendors.not_active", 403, `This vendor is ${membership.vendorStatus}; it cannot do this now.`);
  }
  if (capability && !memberCan(membership.role, capability)) {
    throw new AppError("vendors.forbidden", 403, `Your role in this vendor (${membership.role}) does not allow "${capability}".`);
  }
  return { auth, membership, vendorId: membership.vendorId };
}
