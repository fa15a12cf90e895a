import { type AnyColumn, type SQL, sql } from "drizzle-orm";

/**
 * The storefront's rule for marketplace products: a product is shown only while its seller is active. A
 * product without a seller (the store's own) or whose seller row is gone counts as listed. The search index
 * applies the same rule in its triggers (migration 0028), so listings and search agree with these reads.
 */
export function sellerListed(vendorIdColumn: AnyColumn): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM vendors listed_v WHERE listed_v.id = ${vendorIdColumn} AND listed_v.status <> 'active')`;
}

/** The same rule as raw SQL over a products alias (`p` in `FROM products p`), for hand-written queries. */
export function sellerListedSql(productAlias: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(productAlias)) throw new Error(`not an SQL alias: ${productAlias}`);
  return `NOT EXISTS (SELECT 1 FROM vendors listed_v WHERE listed_v.id = ${productAlias}.vendor_id AND listed_v.status <> 'active')`;
}
