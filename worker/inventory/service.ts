import { and, asc, desc, eq, inArray, or, type SQL, sql } from "drizzle-orm";
import {
  type AdminProduct,
  type BulkProductsBody,
  type BulkProductsResult,
  catalogChanged,
  deleteProducts,
  findAdminProduct,
  getVendorProduct,
  type ProductInput,
  productInputForVendor,
  saveProduct as saveCatalogProduct,
  setProductsStatus,
  type VendorProductInput,
  variantThresholdStatement,
} from "../catalog";
import { products, productVariants } from "../catalog/tables";
import { getDb } from "../db/client";
import { auditLog } from "../db/tables";
import { type AuditActor, auditStatement, recordAudit } from "../lib/audit";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { SkuListQuery } from "./schema";
import { stockMovements } from "./tables";

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

/** 404 unless a variant has this SKU (a cheap D1 read; no ledger is touched). */
export async function assertKnownSku(env: Env, sku: string): Promise<void> {
  const row = await getDb(env.DB).select({ sku: productVariants.sku }).from(productVariants).where(eq(productVariants.sku, sku)).get();
  if (!row) throw new AppError("inventory.sku_not_found", 404, `No variant has the SKU ${sku}.`);
}

/** A SKU's stock figures and newest movements, from its ledger (the source of truth). */
export async function stockOf(env: Env, sku: string) {
  await assertKnownSku(env, sku);
  const [snapshot, movements] = await Promise.all([ledger(env, sku).snapshot(sku), ledger(env, sku).movements(sku, 50)]);
  return { sku, onHand: snapshot.onHand, reserved: snapshot.reserved, available: snapshot.available, lowStockThreshold: snapshot.lowStockThreshold, movements };
}

/** A SKU's available stock before and after one ledger change; `version` is the ledger's version after it. */
export interface StockChange {
  sku: string;
  availableBefore: number;
  availableAfter: number;
  version: number;
}
export type StockListener = (env: Env, change: StockChange) => Promise<void>;
const stockListeners: StockListener[] = [];

/**
 * A later domain's reaction to a stock adjustment (wishlist: back-in-stock alerts). Inventory comes
 * before them in the layer order and cannot call them, so they register here when loaded. A replayed
 * adjustment (same `opId`) announces the same change again, so a listener keys its effects on
 * `sku` + `version`. Each call runs inside the request that made the change, with that request's env.
 */
export function registerStockListener(listener: StockListener): void {
  stockListeners.push(listener);
}

async function announceStockChange(env: Env, change: StockChange): Promise<void> {
  for (const listener of stockListeners) {
    try {
      await listener(env, change);
    } catch (err) {
      // The stock change stands whatever a listener does; its own retries are its business.
      console.error(JSON.stringify({ level: "error", msg: "stock listener failed", sku: change.sku, error: String(err) }));
    }
  }
}

/**
 * Changes on-hand stock through the ledger only. `opId` (an Idempotency-Key)
 * makes a retried adjustment count once. Registered stock listeners hear of it.
 */
export async function adjustStock(env: Env, sku: string, delta: number, reason: string, opId?: string) {
  await assertKnownSku(env, sku);
  const result = await ledger(env, sku).adjust(sku, opId ? `admin:${opId}` : newId("adj"), delta, reason);
  if (!result.ok)
    throw new AppError("inventory.negative_stock", 409, `On hand cannot drop below the ${result.snapshot.reserved} units reserved.`, [
      { path: "delta", message: "Too low" },
    ]);
  await catalogChanged(env.DB);
  // The ledger changes only on-hand stock in an adjustment (holds stay), so available moved by exactly delta.
  const after = result.snapshot;
  await announceStockChange(env, { sku, availableBefore: after.available - delta, availableAfter: after.available, version: after.version });
  return stockOf(env, sku);
}

/** A return to stock found in the movements' mirror: `rowid` orders the mirror, `version` is the ledger's. */
export interface StockReturn extends StockChange {
  rowid: number;
}

/**
 * Every ledger change on every path (adjustments, imports, order cancellations, restocked returns,
 * released or expired checkout holds) is a movement the ledger mirrors to `stock_movements`, in order
 * per SKU; this reads that mirror after `afterRowid` and keeps the movements that took a SKU's available
 * stock from zero (or below) to above zero. `scannedTo` is the last rowid looked at, where the next call
 * starts. A movement's previous one is found by its id (`<sku>:<version - 1>`), not by time.
 */
export async function stockReturnsSince(env: Env, afterRowid: number, limit = 500): Promise<{ returns: StockReturn[]; scannedTo: number }> {
  const { results } = await env.DB.prepare(
    `select m.rowid as rowid, m.sku as sku, m.available_after as availableAfter,
            cast(substr(m.id, length(m.sku) + 2) as integer) as version,
            (select p.available_after from stock_movements p
              where p.id = m.sku || ':' || (cast(substr(m.id, length(m.sku) + 2) as integer) - 1)) as availableBefore
     from stock_movements m where m.rowid > ? order by m.rowid limit ?`,
  )
    .bind(afterRowid, limit)
    .all<{ rowid: number; sku: string; availableAfter: number; version: number; availableBefore: number | null }>();
  const returns: StockReturn[] = [];
  for (const r of results) {
    // The first movement (opening stock) has no previous one: that is not a return.
    if (r.availableBefore !== null && r.availableBefore <= 0 && r.availableAfter > 0)
      returns.push({ rowid: r.rowid, sku: r.sku, availableBefore: r.availableBefore, availableAfter: r.availableAfter, version: r.version });
  }
  return { returns, scannedTo: results.at(-1)?.rowid ?? afterRowid };
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * SKUs with their mirrored available stock and low-stock threshold, by SKU.
 * `q` matches a SKU prefix or part of the product name; `lowStock` keeps the
 * SKUs at or below their threshold. Reads the D1 mirror (the ledgers stay the
 * source of truth for a single SKU's figures).
 */
export async function listSkus(env: Env, query: SkuListQuery) {
  const db = getDb(env.DB);
  const where: SQL[] = [];
  const q = query.q?.trim();
  if (q) {
    const text = or(
      sql`${productVariants.sku} like ${`${escapeLike(q.toUpperCase())}%`} escape '\\'`,
      sql`${products.name} like ${`%${escapeLike(q)}%`} escape '\\'`,
    );
    if (text) where.push(text);
  }
  if (query.lowStock) where.push(sql`${productVariants.stockAvailable} <= ${productVariants.lowStockThreshold}`);
  const cond = where.length ? and(...where) : undefined;
  const [rows, [count]] = await db.batch([
    db
      .select({
        sku: productVariants.sku,
        productId: products.id,
        productName: products.name,
        variantTitle: productVariants.title,
        available: productVariants.stockAvailable,
        lowStockThreshold: productVariants.lowStockThreshold,
      })
      .from(productVariants)
      .innerJoin(products, eq(products.id, productVariants.productId))
      .where(cond)
      .orderBy(asc(productVariants.sku))
      .limit(query.perPage)
      .offset((query.page - 1) * query.perPage),
    db.select({ n: sql<number>`count(*)` }).from(productVariants).innerJoin(products, eq(products.id, productVariants.productId)).where(cond),
  ]);
  return {
    items: rows.map((r) => ({ ...r, lowStock: r.available <= r.lowStockThreshold })),
    total: count?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

/**
 * An admin's stock adjustment through the SKU's ledger, audited with the
 * figures before and after. A retry with the same `opId` changes nothing and
 * records no second audit entry.
 */
export async function adjustStockAudited(env: Env, actor: AuditActor, sku: string, delta: number, reason: string, opId?: string) {
  const before = await stockOf(env, sku);
  const key = opId ?? newId("adj");
  const after = await adjustStock(env, sku, delta, `${reason} (by ${actor.actorEmail})`, key);
  const seen = await getDb(env.DB)
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.entityType, "sku"),
        eq(auditLog.entityId, sku),
        eq(auditLog.action, "inventory.adjust"),
        sql`json_extract(${auditLog.after}, '$.opId') = ${key}`,
      ),
    )
    .get();
  if (!seen) {
    await recordAudit(env.DB, actor, {
      action: "inventory.adjust",
      entityType: "sku",
      entityId: sku,
      before: { onHand: before.onHand, reserved: before.reserved, available: before.available },
      after: { onHand: after.onHand, reserved: after.reserved, available: after.available, delta, reason, opId: key },
    });
  }
  return after;
}

/**
 * Sets a SKU's low-stock threshold in its ledger (which raises the alerts)
 * and in the catalog mirror (which the low-stock lists read), audited.
 */
export async function setLowStockThreshold(env: Env, actor: AuditActor, sku: string, threshold: number) {
  const before = await stockOf(env, sku);
  await ledger(env, sku).setThreshold(sku, threshold);
  const db = getDb(env.DB);
  await db.batch([
    variantThresholdStatement(env, sku, threshold),
    auditStatement(env.DB, actor, {
      action: "inventory.threshold",
      entityType: "sku",
      entityId: sku,
      before: { lowStockThreshold: before.lowStockThreshold },
      after: { lowStockThreshold: threshold },
    }),
  ]);
  return stockOf(env, sku);
}

/**
 * A SKU's whole movement history, newest first, from the D1 copy the ledger
 * mirrors after every change (the ledger itself answers only its newest
 * movements; a movement not yet mirrored shows there first).
 */
export async function listMovements(env: Env, sku: string, page: number, perPage: number) {
  await assertKnownSku(env, sku);
  const db = getDb(env.DB);
  const [rows, [count]] = await db.batch([
    db
      .select({
        id: stockMovements.id,
        kind: stockMovements.kind,
        quantity: stockMovements.quantity,
        onHandAfter: stockMovements.onHandAfter,
        availableAfter: stockMovements.availableAfter,
        reason: stockMovements.reason,
        refId: stockMovements.refId,
        at: stockMovements.at,
      })
      .from(stockMovements)
      .where(eq(stockMovements.sku, sku))
      .orderBy(desc(stockMovements.at), desc(sql`rowid`))
      .limit(perPage)
      .offset((page - 1) * perPage),
    db.select({ n: sql<number>`count(*)` }).from(stockMovements).where(eq(stockMovements.sku, sku)),
  ]);
  return { items: rows, total: count?.n ?? 0, page, perPage };
}

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
