import { eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { bumpCacheVersion } from "../../lib/cache-version";
import { AppError } from "../../lib/errors";
import { allowedImageOrigins, imageUrlProblem } from "../../store";
import type { UpdateVendorSettingsBody, VendorReturnAddress, VendorSettings } from "../schema";
import { vendors } from "../tables";
import { toVendorView } from "./applications";

type VendorRow = typeof vendors.$inferSelect;

function returnAddressOf(row: VendorRow): VendorReturnAddress | null {
  if (!row.returnAddress) return null;
  const a = JSON.parse(row.returnAddress) as Partial<VendorReturnAddress>;
  return {
    fullName: a.fullName ?? "",
    company: a.company ?? null,
    line1: a.line1 ?? "",
    line2: a.line2 ?? null,
    city: a.city ?? "",
    region: a.region ?? null,
    postalCode: a.postalCode ?? null,
    country: a.country ?? "",
    phone: a.phone ?? null,
  };
}

const toSettings = (row: VendorRow): VendorSettings => ({ ...toVendorView(row), returnAddress: returnAddressOf(row) });

async function vendorRow(env: Env, vendorId: string): Promise<VendorRow> {
  const row = await getDb(env.DB).select().from(vendors).where(eq(vendors.id, vendorId)).get();
  if (!row) throw new AppError("vendors.not_found", 404, "No such vendor.");
  return row;
}

/** The vendor's profile, storefront and return address as its owners edit them. */
export async function vendorSettings(env: Env, vendorId: string): Promise<VendorSettings> {
  return toSettings(await vendorRow(env, vendorId));
}

/**
 * Changes the fields of `body` that were sent (the API's PATCH and the settings page both call this), with
 * an audit entry of the fields before and after in the same D1 batch. A banner must be a picture the
 * storefront may load (an allowed image origin or a path on this site: 400 naming `bannerUrl`). The name,
 * texts and banner show on cached storefront and product pages, so the catalog version moves on.
 */
export async function updateVendorSettings(env: Env, actor: AuditActor, vendorId: string, body: UpdateVendorSettingsBody): Promise<VendorSettings> {
  if (body.bannerUrl) {
    // The staff's wording names their settings screen; a seller can only pick another address.
    if (imageUrlProblem(body.bannerUrl, await allowedImageOrigins(env)))
      throw new AppError("vendors.banner_origin", 400, "The banner comes from a site the store does not load pictures from.", [
        { path: "bannerUrl", message: "Use a picture address on a site the store allows (ask the store which), or a path on this site" },
      ]);
  }
  const before = await vendorRow(env, vendorId);
  const changes: Partial<VendorRow> = {};
  if (body.name !== undefined) changes.name = body.name;
  if (body.contactEmail !== undefined) changes.contactEmail = body.contactEmail;
  if (body.contactPhone !== undefined) changes.contactPhone = body.contactPhone;
  if (body.description !== undefined) changes.description = body.description;
  if (body.about !== undefined) changes.about = body.about;
  if (body.bannerUrl !== undefined) changes.bannerUrl = body.bannerUrl;
  if (body.returnAddress !== undefined) changes.returnAddress = body.returnAddress === null ? null : JSON.stringify(body.returnAddress);
  const keys = Object.keys(changes) as (keyof VendorRow)[];
  if (!keys.length) return toSettings(before);
  const db = getDb(env.DB);
  const pick = (row: Partial<VendorRow>) => Object.fromEntries(keys.map((k) => [k, row[k] ?? null]));
  await db.batch([
    db
      .update(vendors)
      .set({ ...changes, updatedAt: new Date().toISOString() })
      .where(eq(vendors.id, vendorId)),
    auditStatement(env.DB, actor, { action: "vendor.settings", entityType: "vendor", entityId: vendorId, before: pick(before), after: pick(changes) }),
  ]);
  await bumpCacheVersion(env.DB);
  return vendorSettings(env, vendorId);
}
