import type { ProductSummary } from "../schema";
import { Sql } from "./sql";

// The products a listing page shows, read for display in one statement (the page's doc ids first, then one
// lookup each) and turned into the API's product summaries.

/** The columns PRODUCT_SUMMARY_COLUMNS reads, as D1 answers them. */
export interface ProductSummaryRow {
  id: string;
  slug: string;
  name: string;
  currency: string;
  min_price: number;
  in_stock: number;
  rating_avg_x100: number;
  rating_count: number;
  created_at: string;
  brand_slug: string | null;
  brand_name: string | null;
  category_slug: string;
  category_name: string;
  compare_at: number | null;
  image_url: string | null;
  seller_name: string | null;
  seller_handle: string | null;
}

/**
 * What a product card shows, for any list of products (listings, recommendations, recently viewed): the
 * columns of `products p` and of PRODUCT_SUMMARY_JOINS. The compare-at price is the cheapest variant's, so
 * a card's "was" price always belongs to its "from" price.
 */
export const PRODUCT_SUMMARY_COLUMNS = `p.id, p.slug, p.name, p.currency, p.min_price, p.in_stock, p.rating_avg_x100, p.rating_count, p.created_at,
    b.slug AS brand_slug, b.name AS brand_name, c.slug AS category_slug, c.name AS category_name, s.name AS seller_name, s.handle AS seller_handle,
    (SELECT min(v.compare_at_price) FROM product_variants v WHERE v.product_id = p.id AND v.price = p.min_price) AS compare_at,
    (SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image_url`;

/** The joins PRODUCT_SUMMARY_COLUMNS reads, after `products p`: brand, category and (for a marketplace product) its seller. */
export const PRODUCT_SUMMARY_JOINS =
  "LEFT JOIN brands b ON b.id = p.brand_id CROSS JOIN categories c ON c.id = p.category_id LEFT JOIN vendors s ON s.id = p.vendor_id";

/**
 * Display columns of the products whose doc ids `source` (a subquery with `doc_id`) lists.
 * CROSS JOIN pins the join order: the few listed ids first, then one lookup each.
 */
function displaySql(source: string): string {
  return `SELECT k.doc_id, ${PRODUCT_SUMMARY_COLUMNS}
  FROM (${source}) k CROSS JOIN search_documents d ON d.doc_id = k.doc_id CROSS JOIN products p ON p.id = d.product_id ${PRODUCT_SUMMARY_JOINS}`;
}

/** A row of PRODUCT_SUMMARY_COLUMNS as the API's product summary. */
export function toProductSummary(r: ProductSummaryRow): ProductSummary {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    brand: r.brand_slug && r.brand_name ? { slug: r.brand_slug, name: r.brand_name } : null,
    category: { slug: r.category_slug, name: r.category_name },
    price: { amount: r.min_price, currency: r.currency },
    compareAtPrice: r.compare_at && r.compare_at > r.min_price ? { amount: r.compare_at, currency: r.currency } : null,
    image: r.image_url ? { url: r.image_url, alt: r.name } : null,
    rating: { average: r.rating_avg_x100 / 100, count: r.rating_count },
    inStock: r.in_stock === 1,
    createdAt: r.created_at,
    seller: r.seller_handle && r.seller_name ? { name: r.seller_name, handle: r.seller_handle } : null,
  };
}

/**
 * The shown page's products for display: `source` lists their doc ids, either as an array in
 * page order or as a query (then `order` puts the page's rows back in order).
 */
export async function displayRows(d1: D1Database, source: number[] | Sql, order = "k.n"): Promise<ProductSummary[]> {
  const sql = Array.isArray(source) ? new Sql().add("SELECT value AS doc_id, key AS n FROM json_each(?)", [JSON.stringify(source)]) : source;
  const { results } = await d1
    .prepare(`${displaySql(sql.text)} ORDER BY ${order}`)
    .bind(...sql.params)
    .all<ProductSummaryRow>();
  return results.map(toProductSummary);
}
