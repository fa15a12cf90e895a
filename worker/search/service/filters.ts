import type { ListProductsQuery } from "../schema";
import { PRICE_BUCKETS } from "../buckets";

/** A facet dimension: the fixed ones, or `attr:<name>` per attribute name. */
export type Dim = "category" | "brand" | "vendor" | "price" | "rating" | "inStock" | `attr:${string}`;

/** One active filter as SQL over `search_documents d`, with its bound parameters. */
export interface ActiveFilter {
  dim: Dim;
  sql: string;
  params: unknown[];
  /**
   * How well its index narrows the candidates when there is no text query, lower first;
   * null when it cannot drive a query (in stock is true for nearly everything).
   */
  driverRank: number | null;
  /** The same condition in a form whose index can drive the query, when `sql` is not. */
  driver?: { sql: string; params: unknown[] };
  /** The condition on the facet-count table's cells, when the table can answer it exactly. */
  cells?: { sql: string; params: unknown[] };
  /** A common table expression `sql` relies on, named `name` (put in the statement's WITH). */
  with?: { name: string; sql: string; params: unknown[] };
}

/** The filters of a listing, normalised. */
export interface SearchFilters {
  category?: string;
  brand?: string[];
  vendor?: string[];
  minPrice?: number;
  maxPrice?: number;
  /** Minimum average rating in stars (0–5). */
  rating?: number;
  inStock?: boolean;
  attributes: Record<string, string[]>;
}

/** The filters of GET /api/products (and the pages that share its query). */
export function filtersOf(query: ListProductsQuery): SearchFilters {
  const attributes: Record<string, string[]> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith("attr.") || typeof raw !== "string") continue;
    // A comma followed by a space is part of a value ("Gas, electric and induction").
    const values = [...new Set(raw.split(/,(?! )/).filter(Boolean))].slice(0, 20);
    if (values.length > 0) attributes[key.slice(5)] = values;
  }
  return {
    category: query.category,
    brand: query.brand?.length ? [...new Set(query.brand)] : undefined,
    vendor: query.vendor?.length ? query.vendor : undefined,
    // Bounds that exclude nothing are no filter (and would otherwise turn a cheap browse into a scan).
    minPrice: query.minPrice ? query.minPrice : undefined,
    maxPrice: query.maxPrice,
    rating: query.rating ? query.rating : undefined,
    inStock: query.inStock || undefined,
    attributes,
  };
}

/**
 * A test of whether a category path lies in the subtree rooted at `root` (itself included). Paths are "/id/id/": a
 * subtree is the range [root, root with its last "/" raised to "0"), the same range the category filter's SQL reads.
 */
export function inSubtree(root: string): (path: string) => boolean {
  const end = `${root.slice(0, -1)}0`;
  return (path) => path >= root && path < end;
}

/**
 * The active filters as SQL. Lists travel as one JSON parameter each (`json_each`), so no
 * combination of filters can reach D1's limit of 100 bound parameters.
 */
export function activeFilters(f: SearchFilters): ActiveFilter[] {
  const out: ActiveFilter[] = [];
  if (f.category) {
    // Paths are "/id/id/": a subtree is the range [path, path with its last "/" raised to "0").
    out.push({
      dim: "category",
      sql: "(d.category_path >= (SELECT path FROM categories WHERE slug = ?) AND d.category_path < (SELECT substr(path, 1, length(path) - 1) || '0' FROM categories WHERE slug = ?))",
      params: [f.category, f.category],
      driverRank: 3,
      cells: {
        sql: "category_id IN (SELECT id FROM categories WHERE path >= (SELECT path FROM categories WHERE slug = ?) AND path < (SELECT substr(path, 1, length(path) - 1) || '0' FROM categories WHERE slug = ?))",
        params: [f.category, f.category],
      },
    });
  }
  if (f.brand) {
    out.push({
      dim: "brand",
      sql: "d.brand_id IN (SELECT id FROM brands WHERE slug IN (SELECT value FROM json_each(?)))",
      params: [JSON.stringify(f.brand)],
      driverRank: 1,
    });
  }
  if (f.vendor) {
    out.push({ dim: "vendor", sql: "d.vendor_id IN (SELECT value FROM json_each(?))", params: [JSON.stringify(f.vendor)], driverRank: 1 });
  }
  if (f.minPrice !== undefined || f.maxPrice !== undefined) {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (f.minPrice !== undefined) {
      parts.push("d.price >= ?");
      params.push(f.minPrice);
    }
    if (f.maxPrice !== undefined) {
      parts.push("d.price <= ?");
      params.push(f.maxPrice);
    }
    out.push({ dim: "price", sql: `(${parts.join(" AND ")})`, params, driverRank: 4, cells: priceCells(f.minPrice, f.maxPrice) });
  }
  if (f.rating !== undefined) {
    out.push({
      dim: "rating",
      sql: "d.rating >= ?",
      params: [Math.round(f.rating * 100)],
      driverRank: 5,
      // Whole stars are whole rating buckets.
      cells: Number.isInteger(f.rating) ? { sql: "rating_bucket >= ?", params: [f.rating] } : undefined,
    });
  }
  if (f.inStock) out.push({ dim: "inStock", sql: "d.in_stock = 1", params: [], driverRank: null, cells: { sql: "in_stock = 1", params: [] } });
  Object.entries(f.attributes).forEach(([name, values], i) => {
    const params = [name, JSON.stringify(values)];
    const cte = `attr_${i}`;
    out.push({
      dim: `attr:${name}`,
      // Per candidate: is one of the chosen values' ids in its attribute list?
      sql: `EXISTS (SELECT 1 FROM ${cte} WHERE instr(d.attribute_ids, ${cte}.token) > 0)`,
      params: [],
      with: {
        name: cte,
        sql: "SELECT ',' || value_id || ',' AS token FROM search_attribute_values WHERE name = ? AND value IN (SELECT value FROM json_each(?))",
        params,
      },
      driverRank: 2,
      // Leading a query, the catalog's (name, value) index finds the products.
      driver: { sql: "d.product_id IN (SELECT product_id FROM product_attributes WHERE name = ? AND value IN (SELECT value FROM json_each(?)))", params },
    });
  });
  return out;
}

/**
 * A price range the facet-count table answers exactly: one made of whole buckets (the price
 * facet's own values, or runs of them).
 */
function priceCells(min: number | undefined, max: number | undefined): { sql: string; params: unknown[] } | undefined {
  const from = PRICE_BUCKETS.findIndex((b) => b.min === (min ?? 0));
  const to = max === undefined ? PRICE_BUCKETS.length - 1 : PRICE_BUCKETS.findIndex((b) => b.max !== null && b.max - 1 === max);
  if (from < 0 || to < 0 || to < from) return undefined;
  return { sql: "price_bucket BETWEEN ? AND ?", params: [from, to] };
}
