import { and, inArray } from "drizzle-orm";
import {
  type AdminProduct,
  type BulkProductsBody,
  type BulkProductsResult,
  deleteProducts,
  findAdminProduct,
  type ProductInput,
  saveProduct as saveCatalogProduct,
  setProductsStatus,
} from "../../catalog";
import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { stockMovements } from "../tables";

import { adjustStock, ledger } from "./stock";

/** A variant whose ledger still holds stock or holds: it cannot simply disappear. */
async function stockHeld(env: Env, sku: string): Promise<{ onHand: number; reserved: number } | null> {
  const s = await ledger(env, sku).snapshot(sku);
  return s.onHand > 0 || s.reserved > 0 ? { onHand: s.onHand, reserved: s.reserved } : null;
}

// Product writes that touch stock live here rather than in catalog: catalog comes before inventory
// in the layers, so it keeps the product rows and knows nothing of ledgers, while these use cases
// check the ledgers, call catalog's write, and book opening stock through the ledger (the only
// writer of stock). The staff API's POST/PUT /products and bulk routes, and the product pages, call them.

/**
 * Creates or replaces a product (catalog's `saveProduct`: one D1 batch with its audit entry), then
 * books the opening stock (`initialStock`) of variants that are new through their ledgers. On edit,
 * removing a variant that still has stock on hand or reserved is refused (409
 * `catalog.variant_has_stock`) before anything is written. A retried save books opening stock once
 * (the ledger operation id is per product and SKU).
 */
export async function saveProductWithStock(env: Env, actor: AuditActor, input: ProductInput, productId?: string): Promise<AdminProduct> {
  const before = productId ? await findAdminProduct(env, productId) : null;
  const existing = new Set((before?.variants ?? []).map((v) => v.sku));
  const keep = new Set(input.variants.map((v) => v.sku));
  for (const v of before?.variants ?? []) {
    if (keep.has(v.sku)) continue;
    const held = await stockHeld(env, v.sku);
    if (held)
      throw new AppError("catalog.variant_has_stock", 409, `Variant ${v.sku} still has ${held.onHand} on hand and ${held.reserved} reserved.`, [
        {
          path: "variants",
          message: `${v.sku} has stock (${held.onHand} on hand, ${held.reserved} reserved): bring it to 0 in Inventory first, or keep the variant`,
        },
      ]);
  }
  const saved = await saveCatalogProduct(env, actor, input, productId);
  let booked = false;
  for (const v of input.variants) {
    if (existing.has(v.sku) || !v.initialStock) continue;
    await adjustStock(env, v.sku, v.initialStock, `opening stock (by ${actor.actorEmail})`, `open:${saved.id}:${v.sku}`);
    booked = true;
  }
  return booked ? ((await findAdminProduct(env, saved.id)) ?? saved) : saved;
}

/** SKUs (of `skus`) whose ledger history shows a sale or a checkout hold: their product was ordered. */
async function skusEverReserved(env: Env, skus: readonly string[]): Promise<Set<string>> {
  if (!skus.length) return new Set();
  const rows = await getDb(env.DB)
    .selectDistinct({ sku: stockMovements.sku })
    .from(stockMovements)
    .where(and(inArray(stockMovements.sku, [...skus]), inArray(stockMovements.kind, ["reserve", "commit"])))
    .all();
  return new Set(rows.map((r) => r.sku));
}

/**
 * Sets the status of, or deletes, up to 100 products, one audit entry each. A product is deleted
 * only when none of its variants holds stock and none was ever reserved by a checkout (every order
 * reserves through the ledger first); others are reported in `skipped` (archive them).
 */
export async function bulkUpdateProducts(env: Env, actor: AuditActor, body: BulkProductsBody): Promise<BulkProductsResult> {
  const ids = [...new Set(body.ids)];
  if (body.action === "set_status" && body.status) return setProductsStatus(env, actor, ids, body.status);
  const skipped: BulkProductsResult["skipped"] = [];
  const found: AdminProduct[] = [];
  for (const id of ids) {
    const product = await findAdminProduct(env, id);
    if (product) found.push(product);
    else skipped.push({ id, reason: "No product has this id" });
  }
  const ordered = await skusEverReserved(
    env,
    found.flatMap((p) => p.variants.map((v) => v.sku)),
  );
  const doomed: AdminProduct[] = [];
  for (const product of found) {
    if (product.variants.some((v) => ordered.has(v.sku))) {
      skipped.push({ id: product.id, reason: "It has been ordered: archive it instead" });
      continue;
    }
    const held = [];
    for (const v of product.variants) if (await stockHeld(env, v.sku)) held.push(v.sku);
    if (held.length) {
      skipped.push({ id: product.id, reason: `Stock on hand or reserved for ${held.join(", ")}: bring it to 0 first, or archive` });
      continue;
    }
    doomed.push(product);
  }
  await deleteProducts(env, actor, doomed);
  return { done: doomed.map((p) => p.id), skipped };
}
