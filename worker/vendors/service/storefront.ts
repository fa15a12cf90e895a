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

/**
 * Which of `ids` name a seller that exists (any status: a product may be put under a seller before it is
 * approved; the storefront and listings show only active ones). The catalog checks a product's vendor with it.
 */
export async function existingVendorIds(env: Env, ids: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)].slice(0, 90);
  if (!unique.length) return new Set();
  const { results } = await env.DB.prepare(`SELECT id FROM vendors WHERE id IN (${unique.map(() => "?").join(",")})`)
    .bind(...unique)
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
