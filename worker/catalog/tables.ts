import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Category tree. `path` is the materialized chain of ancestor ids including
 * this one ("/cat_a/cat_b/"), so "this category and every descendant" is a
 * prefix match on an indexed column instead of a recursive query.
 */
export const categories = sqliteTable(
  "categories",
  {
    id: text("id").primaryKey(),
    parentId: text("parent_id"),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    path: text("path").notNull(),
    depth: integer("depth").notNull().default(0),
    position: integer("position").notNull().default(0),
  },
  (t) => [uniqueIndex("categories_slug_uq").on(t.slug), index("categories_parent_idx").on(t.parentId, t.position), index("categories_path_idx").on(t.path)],
);

export const brands = sqliteTable(
  "brands",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
  },
  (t) => [uniqueIndex("brands_slug_uq").on(t.slug)],
);

/**
 * A product. Price and stock columns are denormalized from its variants
 * (lowest and highest variant price, any variant in stock) so listings sort and
 * filter on indexed columns without joining variants.
 */
export const products = sqliteTable(
  "products",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    brandId: text("brand_id").references(() => brands.id),
    categoryId: text("category_id")
      .notNull()
      .references(() => categories.id),
    /** Copy of the category's path, for subtree filters with one index. */
    categoryPath: text("category_path").notNull(),
    vendorId: text("vendor_id"),
    status: text("status", { enum: ["draft", "active", "archived"] })
      .notNull()
      .default("draft"),
    currency: text("currency").notNull().default("USD"),
    minPrice: integer("min_price").notNull().default(0),
    maxPrice: integer("max_price").notNull().default(0),
    /** 1 when any variant has stock available. */
    inStock: integer("in_stock").notNull().default(0),
    featured: integer("featured").notNull().default(0),
    ratingAvg: integer("rating_avg_x100").notNull().default(0),
    ratingCount: integer("rating_count").notNull().default(0),
    /** Published reviews per star, 1 to 5, as a JSON array (kept by `ratingSummaryStatement`). */
    ratingDist: text("rating_dist").notNull().default("[0,0,0,0,0]"),
    soldCount: integer("sold_count").notNull().default(0),
    seoTitle: text("seo_title"),
    seoDescription: text("seo_description"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    uniqueIndex("products_slug_uq").on(t.slug),
    index("products_status_created_idx").on(t.status, t.createdAt),
    index("products_status_price_idx").on(t.status, t.minPrice),
    index("products_status_sold_idx").on(t.status, t.soldCount),
    index("products_status_rating_idx").on(t.status, t.ratingAvg),
    index("products_category_path_idx").on(t.categoryPath, t.status, t.minPrice),
    index("products_brand_idx").on(t.brandId, t.status, t.minPrice),
    index("products_vendor_idx").on(t.vendorId),
    index("products_featured_idx").on(t.featured, t.status),
    // The default "relevance" order and the per-category counts of the category tree.
    index("products_status_featured_sold_idx").on(t.status, t.featured, t.soldCount),
    index("products_status_category_idx").on(t.status, t.categoryId),
  ],
);

/** One purchasable SKU of a product. `options` is a JSON object such as {"size":"M","color":"Red"}. */
export const productVariants = sqliteTable(
  "product_variants",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    sku: text("sku").notNull(),
    title: text("title").notNull(),
    options: text("options", { mode: "json" }).$type<Record<string, string>>().notNull(),
    price: integer("price").notNull(),
    compareAtPrice: integer("compare_at_price"),
    weightGrams: integer("weight_grams").notNull().default(0),
    /** The trade item number on the barcode (GTIN-8/12/13/14), for search engines' product matching. */
    gtin: text("gtin"),
    /** The manufacturer's part number, for products without a GTIN. */
    mpn: text("mpn"),
    /** Mirror of available stock; the inventory Durable Object is the source of truth once it exists. */
    stockAvailable: integer("stock_available").notNull().default(0),
    /** Ledger version of the mirrored figure: a late, older mirror write never overwrites a newer one. */
    stockVersion: integer("stock_version").notNull().default(0),
    /** Available stock at or below which admins get one low-stock alert. */
    lowStockThreshold: integer("low_stock_threshold").notNull().default(5),
    position: integer("position").notNull().default(0),
  },
  (t) => [uniqueIndex("product_variants_sku_uq").on(t.sku), index("product_variants_product_idx").on(t.productId, t.position)],
);

export const productImages = sqliteTable(
  "product_images",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    alt: text("alt").notNull(),
    position: integer("position").notNull().default(0),
  },
  (t) => [index("product_images_product_idx").on(t.productId, t.position)],
);

/** Descriptive attributes (material, colour family, fit...) used for filters and facets. */
export const productAttributes = sqliteTable(
  "product_attributes",
  {
    productId: text("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.productId, t.name, t.value] }), index("product_attributes_name_value_idx").on(t.name, t.value)],
);
