// The staff's stock screens: the SKU list, audited adjustments, low-stock thresholds and movement history.
import { and, asc, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { variantThresholdStatement } from "../../catalog";
import { products, productVariants } from "../../catalog/tables";
import { getDb } from "../../db/client";
import { auditLog } from "../../db/tables";
import { type AuditActor, auditStatement, recordAudit } from "../../lib/audit";
import { newId } from "../../lib/ids";
import type { SkuListQuery } from "../schema";
import { stockMovements } from "../tables";

import { adjustStock, assertKnownSku, ledger, stockOf } from "./stock";

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
