import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/*
 * The search index. These tables, the FTS5 virtual table `search_fts` and the triggers that keep
 * all of them in step with the catalog are created by the hand-written migration
 * `migrations/0002_search_index.sql`. The definitions below describe the regular tables for typed
 * reads; they are not re-exported from worker/db/schema.ts (only search reads them), and the
 * schema-drift test checks them against the database like every other table.
 * Nothing in the application writes them: the triggers do.
 */

/** One row per ACTIVE product, with a stable integer key that is also the full-text rowid. */
export const searchDocuments = sqliteTable(
  "search_documents",
  {
    docId: integer("doc_id").primaryKey(),
    productId: text("product_id").notNull(),
    categoryId: text("category_id").notNull(),
    categoryPath: text("category_path").notNull(),
    brandId: text("brand_id"),
    vendorId: text("vendor_id"),
    /** The product's lowest variant price, minor units. */
    price: integer("price").notNull(),
    /** Average rating × 100. */
    rating: integer("rating").notNull(),
    ratingCount: integer("rating_count").notNull(),
    inStock: integer("in_stock").notNull(),
    featured: integer("featured").notNull(),
    sold: integer("sold").notNull(),
    createdAt: text("created_at").notNull(),
    /** ",12,57," — ids of searchAttributeValues, delimited on both sides. */
    attributeIds: text("attribute_ids").notNull().default(","),
  },
  (t) => [
    uniqueIndex("search_documents_product_uq").on(t.productId),
    index("search_documents_category_idx").on(t.categoryPath, t.price, t.featured, t.sold, t.createdAt, t.rating, t.ratingCount),
    index("search_documents_brand_idx").on(t.brandId),
    index("search_documents_vendor_idx").on(t.vendorId),
    index("search_documents_price_idx").on(t.price),
    index("search_documents_rating_idx").on(t.rating, t.ratingCount),
    index("search_documents_category_rating_idx").on(t.categoryPath, t.rating, t.ratingCount),
    index("search_documents_category_featured_idx").on(t.categoryPath, t.featured, t.sold),
    index("search_documents_category_created_idx").on(t.categoryPath, t.createdAt),
    index("search_documents_category_sold_idx").on(t.categoryPath, t.sold),
    index("search_documents_created_idx").on(t.createdAt),
    index("search_documents_sold_idx").on(t.sold),
    index("search_documents_featured_idx").on(t.featured, t.sold),
  ],
);

/** Dictionary of attribute (name, value) pairs seen in the catalog. */
export const searchAttributeValues = sqliteTable(
  "search_attribute_values",
  {
    valueId: integer("value_id").primaryKey(),
    name: text("name").notNull(),
    value: text("value").notNull(),
  },
  (t) => [uniqueIndex("search_attribute_values_name_value_uq").on(t.name, t.value)],
);

/**
 * Facet counts of the whole searchable catalog per (category, in stock, price bucket, rating
 * bucket) cell. `facet` is one of `total` (value ""), `brand` (brand id), `vendor` (vendor id)
 * and `attr` (attribute value id).
 */
export const searchFacetCounts = sqliteTable(
  "search_facet_counts",
  {
    facet: text("facet").notNull(),
    value: text("value").notNull(),
    categoryId: text("category_id").notNull(),
    inStock: integer("in_stock").notNull(),
    priceBucket: integer("price_bucket").notNull(),
    ratingBucket: integer("rating_bucket").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.facet, t.value, t.categoryId, t.inStock, t.priceBucket, t.ratingBucket] }),
    index("search_facet_counts_category_idx").on(t.categoryId, t.facet, t.value, t.count),
  ],
);

/** FTS5 table (name, brand, category, description), rowid = search_documents.doc_id. */
export const SEARCH_FTS = "search_fts";
/** fts5vocab table over SEARCH_FTS: (term, doc, cnt). */
export const SEARCH_VOCABULARY = "search_vocabulary";
