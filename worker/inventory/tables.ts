import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A copy of every stock movement the ledgers record, for admins and audits
 * (the ledger Durable Object keeps its own log; this one is queryable across SKUs).
 * Keyed by the ledger's movement id, so a repeated copy is stored once.
 */
export const stockMovements = sqliteTable(
  "stock_movements",
  {
    id: text("id").primaryKey(),
    sku: text("sku").notNull(),
    kind: text("kind", { enum: ["init", "reserve", "commit", "release", "expire", "adjust"] }).notNull(),
    quantity: integer("quantity").notNull(),
    onHandAfter: integer("on_hand_after").notNull(),
    availableAfter: integer("available_after").notNull(),
    reason: text("reason"),
    refId: text("ref_id"),
    at: text("at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("stock_movements_sku_at_idx").on(t.sku, t.at)],
);
