import type { VendorMemberRole, VendorStatus } from "../tables";

/** A user's place in a vendor: which vendor, their member role there, and the vendor's status. */
export interface VendorMembership {
  vendorId: string;
  vendorHandle: string;
  vendorName: string;
  vendorStatus: VendorStatus;
  role: VendorMemberRole;
}

/**
 * What each member role may do in the vendor panel and `/api/vendor`. The owner may do everything; the
 * other roles one area each. `settings` (profile, storefront, return address, members, payout account) is
 * the owner's alone.
 */
export const VENDOR_CAPABILITIES = ["catalog", "orders", "finance", "settings"] as const;
export type VendorCapability = (typeof VENDOR_CAPABILITIES)[number];

const ROLE_CAPABILITIES: Readonly<Record<VendorMemberRole, readonly VendorCapability[]>> = {
  owner: VENDOR_CAPABILITIES,
  catalog: ["catalog"],
  orders: ["orders"],
  finance: ["finance"],
};

/** True when a member with `role` may use `capability`. */
export function memberCan(role: VendorMemberRole, capability: VendorCapability): boolean {
  return ROLE_CAPABILITIES[role].includes(capability);
}

/** The vendor `userId` works for, or null (a user belongs to at most one vendor). */
export async function vendorMembershipOf(env: Env, userId: string): Promise<VendorMembership | null> {
  const row = await env.DB.prepare(
    `SELECT m.vendor_id AS vendorId, v.handle AS vendorHandle, v.name AS vendorName, v.status AS vendorStatus, m.role AS role
       FROM vendor_members m JOIN vendors v ON v.id = m.vendor_id WHERE m.user_id = ?`,
  )
    .bind(userId)
    .first<VendorMembership>();
  return row ?? null;
}
