import { and, eq } from "drizzle-orm";
import { type AdminProduct, getVendorProduct, productInputForVendor, type VendorProductInput } from "../../catalog";
import { products, productVariants } from "../../catalog/tables";
import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { AppError } from "../../lib/errors";

import { adjustStockAudited } from "./admin-stock";
import { saveProductWithStock } from "./products";
import { stockOf } from "./stock";

// A seller's catalog and stock: the same use cases as the staff's above, scoped to the caller's vendor. The
// vendor comes from the member's session, never from the request; another seller's product or SKU answers
// the same 404 as one that does not exist.

/**
 * Creates (`productId` omitted) or replaces one of `vendorId`'s products through the staff's write path
 * (`saveProductWithStock`: one D1 batch with its audit entry, opening stock through the ledgers). The product
 * always belongs to `vendorId`; the featured flag and brand keep what the store set. Editing another
 * seller's product is a 404 before anything is written.
 */
export async function saveVendorProduct(env: Env, actor: AuditActor, vendorId: string, body: VendorProductInput, productId?: string): Promise<AdminProduct> {
  const before = productId ? await getVendorProduct(env, vendorId, productId) : null;
  return saveProductWithStock(env, actor, productInputForVendor(vendorId, body, before), productId);
}

/** 404 `inventory.sku_not_found` unless `sku` is a variant of one of `vendorId`'s products. */
async function assertVendorSku(env: Env, vendorId: string, sku: string): Promise<void> {
  const row = await getDb(env.DB)
    .select({ sku: productVariants.sku })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(and(eq(productVariants.sku, sku), eq(products.vendorId, vendorId)))
    .get();
  if (!row) throw new AppError("inventory.sku_not_found", 404, `No variant has the SKU ${sku}.`);
}

/** One of the vendor's SKUs: on hand, reserved and available from its ledger, with its newest movements. */
export async function vendorStockOf(env: Env, vendorId: string, sku: string) {
  await assertVendorSku(env, vendorId, sku);
  return stockOf(env, sku);
}

/**
 * A seller's stock adjustment of one of their SKUs, through the SKU's ledger like the staff's and audited
 * with the member. `opId` (the Idempotency-Key) is kept apart per vendor, so a retry counts once and
 * another caller's key can never swallow this change.
 */
export async function adjustVendorStock(env: Env, actor: AuditActor, vendorId: string, sku: string, delta: number, reason: string, opId?: string) {
  await assertVendorSku(env, vendorId, sku);
  return adjustStockAudited(env, actor, sku, delta, reason, opId ? `vendor-${vendorId}-${opId}` : undefined);
}
