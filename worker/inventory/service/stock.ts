// Stock per SKU through its InventoryLedger: reads, adjustments (heard by registered listeners) and the returns to stock
// found in the ledgers' D1 mirror.
import { eq } from "drizzle-orm";
import { catalogChanged } from "../../catalog";
import { productVariants } from "../../catalog/tables";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";

export const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

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
