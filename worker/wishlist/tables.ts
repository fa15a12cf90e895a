import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A wish list. A signed-in shopper owns a default list (`wlu_<userId>`) and may name more (`wln_…`,
 * names unique per shopper whatever their case, migration 0033); a guest's one list is found by the
 * random id in its cookie (`user_id` null) and is folded into the shopper's default list at sign-in.
 * `share_token` is random and stays the same while sharing is off, so turning sharing back on revives
 * the same link; `share_enabled` decides whether it answers.
 */
export const wishlists = sqliteTable(
  "wishlists",
  {
    id: text("id").primaryKey(),
    userId: text("user_id"),
    name: text("name").notNull().default("Wishlist"),
    shareToken: text("share_token").notNull(),
    shareEnabled: integer("share_enabled").notNull().default(0),
    /** 0 after the owner followed the unsubscribe link of an alert email: no back-in-stock or price-drop emails. */
    alertsEnabled: integer("alerts_enabled").notNull().default(1),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    index("wishlists_user_idx").on(t.userId),
    uniqueIndex("wishlists_user_name_uq").on(t.userId, sql`${t.name} collate nocase`).where(sql`${t.userId} is not null`),
    uniqueIndex("wishlists_share_uq").on(t.shareToken),
  ],
);

/** One wished SKU; the price the shopper saw when adding it is kept to show what changed since. */
export const wishlistItems = sqliteTable(
  "wishlist_items",
  {
    wishlistId: text("wishlist_id").notNull(),
    sku: text("sku").notNull(),
    priceSeen: integer("price_seen").notNull(),
    currency: text("currency").notNull(),
    addedAt: text("added_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [primaryKey({ columns: [t.wishlistId, t.sku] }), index("wishlist_items_sku_idx").on(t.sku)],
);

/**
 * How far the back-in-stock sweep has read inventory's `stock_movements` (by rowid): every path stock
 * comes back by (adjustments, cancellations, restocked returns, expired checkout holds, imports) is a
 * ledger movement mirrored there, so reading past this mark finds each return to stock once.
 */
export const wishlistSweeps = sqliteTable("wishlist_sweeps", {
  name: text("name").primaryKey(),
  lastRowid: integer("last_rowid").notNull().default(0),
});
