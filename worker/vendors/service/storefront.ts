import type { VendorStatus } from "../tables";

/** What a shopper sees of a seller on its storefront page and beside its products. */
export interface PublicVendor {
  id: string;
  handle: string;
  name: string;
  description: string;
  about: string;
  bannerUrl: string | null;
  country: string;
}

/**
 * The seller behind `/v/:handle`, or null when there is none or it is not active (pending, rejected and
 * suspended sellers have no storefront). Contact and payout details never leave the vendors domain this way.
 */
export async function publicVendorByHandle(env: Env, handle: string): Promise<PublicVendor | null> {
  const row = await env.DB.prepare(
    `SELECT id, handle, name, description, about, banner_url AS bannerUrl, country, status
       FROM vendors WHERE handle = ?`,
  )
    .bind(handle)
    .first<PublicVendor & { status: VendorStatus }>();
  if (!row || row.status !== "active") return null;
  const { status: _status, ...vendor } = row;
  return vendor;
}
