import { eq } from "drizzle-orm";
import { catalogChanged } from "../catalog/service";
import { productVariants } from "../catalog/tables";
import { getDb } from "../db/client";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";

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

/**
 * Changes on-hand stock through the ledger only. `opId` (an Idempotency-Key)
 * makes a retried adjustment count once.
 */
export async function adjustStock(env: Env, sku: string, delta: number, reason: string, opId?: string) {
  await assertKnownSku(env, sku);
  const result = await ledger(env, sku).adjust(sku, opId ? `admin:${opId}` : newId("adj"), delta, reason);
  if (!result.ok)
    throw new AppError("inventory.negative_stock", 409, `On hand cannot drop below the ${result.snapshot.reserved} units reserved.`, [
      { path: "delta", message: "Too low" },
    ]);
  await catalogChanged(env.DB);
  return stockOf(env, sku);
}
