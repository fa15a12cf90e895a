import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const RECOMMENDATION_KINDS = ["bought_together", "similar"] as const;
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];

/**
 * Precomputed neighbours of each product, best first (`position` 0 is the best). Rewritten whole per
 * kind by the refresh; pages only read them, filtering stock, the product itself and what the shopper
 * already bought at serve time.
 */
export const recommendationPairs = sqliteTable(
  "recommendation_pairs",
  {
    kind: text("kind", { enum: RECOMMENDATION_KINDS }).notNull(),
    productId: text("product_id").notNull(),
    relatedId: text("related_id").notNull(),
    score: real("score").notNull(),
    position: integer("position").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.productId, t.relatedId] }), index("recommendation_pairs_read_idx").on(t.kind, t.productId, t.position)],
);

/** What each kind was last computed from (a fingerprint of its inputs), so an unchanged store is not recomputed. */
export const recommendationRuns = sqliteTable("recommendation_runs", {
  kind: text("kind", { enum: RECOMMENDATION_KINDS }).primaryKey(),
  fingerprint: text("fingerprint").notNull(),
  rows: integer("rows").notNull(),
  computedAt: text("computed_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});
