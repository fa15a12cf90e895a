import type { SuggestResponse } from "../schema";
import type { CategoryRow } from "./facets";
import { textLimits } from "./listing";
import { matchExpression, searchWords } from "./query-text";

/** Product suggestions need this many letters typed: shorter prefixes match a large share of the catalog. */
export const MIN_PRODUCT_PREFIX = 3;
const MAX_CATEGORIES = 5;
const MAX_BRANDS = 4;

/** Whether every typed word starts some word of `name` (the last one possibly half typed). */
function matchesName(words: string[], name: string): boolean {
  const nameWords = searchWords(name);
  return words.every((w) => nameWords.some((n) => n.startsWith(w)));
}

/**
 * Autocomplete for what has been typed so far: products whose name or brand match (ranked by
 * bm25, name above brand, among the newest `textLimits.candidates` matches), and categories and
 * brands whose names match, with product counts.
 * Answers in one D1 round trip.
 */
export async function suggestFor(d1: D1Database, text: string, limit: number): Promise<SuggestResponse> {
  const words = searchWords(text);
  const empty: SuggestResponse = { query: text, products: [], categories: [], brands: [] };
  if (words.length === 0) return empty;
  const letters = words.join("").length;
  const last = words.at(-1) ?? "";
  const match = letters >= MIN_PRODUCT_PREFIX && last.length >= 2 ? matchExpression(words, ["name", "brand"]) : null;

  // One statement: the small dictionaries and counts as JSON values beside the product matches.
  const dictionaries = `(SELECT json_group_array(json_array(id, parent_id, slug, name, path)) FROM categories) AS categories,
    (SELECT json_group_array(json_array(id, slug, name)) FROM brands) AS brands,
    (SELECT json_group_array(json_array(facet, value, category_id, count)) FROM search_facet_counts WHERE facet IN ('total', 'brand') AND count > 0) AS cells`;
  const statement = match
    ? d1
        .prepare(
          `SELECT ${dictionaries}, json_group_array(json_array(p.slug, p.name, p.min_price, p.currency, b.name, c.name,
            (SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1), m.score, d.sold)) AS products
          FROM (SELECT m.doc_id, m.score FROM (SELECT rowid AS doc_id, bm25(search_fts, 10, 5) AS score FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m ORDER BY m.score LIMIT ?) m
          JOIN search_documents d ON d.doc_id = m.doc_id JOIN products p ON p.id = d.product_id
          LEFT JOIN brands b ON b.id = p.brand_id JOIN categories c ON c.id = p.category_id`,
        )
        // The best of the newest matches, as full searches do (textLimits): bounded for "da" too.
        .bind(match, textLimits.candidates, limit)
    : d1.prepare(`SELECT ${dictionaries}`);
  const row = ((await statement.first()) ?? {}) as Record<string, string | null>;
  const parse = <T>(key: string): T[] => JSON.parse(row[key] ?? "[]") as T[];
  const categories: CategoryRow[] = parse<[string, string | null, string, string, string]>("categories").map(([id, parentId, slug, name, path]) => ({
    id,
    parentId,
    slug,
    name,
    path,
    depth: 0,
    position: 0,
  }));
  const brands = parse<[string, string, string]>("brands").map(([id, slug, name]) => ({ id, slug, name }));
  const cells = parse<[string, string, string, number]>("cells");

  const categoryCounts = new Map<string, number>();
  const brandCounts = new Map<string, number>();
  const byId = new Map(categories.map((c) => [c.id, c]));
  for (const [facet, value, categoryId, count] of cells) {
    if (facet === "brand") brandCounts.set(value, (brandCounts.get(value) ?? 0) + count);
    else
      for (const ancestor of (byId.get(categoryId)?.path ?? "").split("/").filter(Boolean))
        categoryCounts.set(ancestor, (categoryCounts.get(ancestor) ?? 0) + count);
  }

  // Best match first (bm25 is lower for better matches), then best sellers.
  const products = parse<[string, string, number, string, string | null, string, string | null, number, number]>("products")
    .sort((a, b) => a[7] - b[7] || b[8] - a[8])
    .map(([slug, name, price, currency, brand, category, imageUrl]) => ({
      slug,
      name,
      brand,
      category,
      price: { amount: price, currency },
      image: imageUrl ? { url: imageUrl, alt: name } : null,
    }));
  return {
    query: text,
    products,
    categories: categories
      .filter((c) => (categoryCounts.get(c.id) ?? 0) > 0 && matchesName(words, c.name))
      .map((c) => ({ slug: c.slug, name: c.name, parent: (c.parentId && byId.get(c.parentId)?.slug) || null, count: categoryCounts.get(c.id) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, MAX_CATEGORIES),
    brands: brands
      .filter((b) => (brandCounts.get(b.id) ?? 0) > 0 && matchesName(words, b.name))
      .map((b) => ({ slug: b.slug, name: b.name, count: brandCounts.get(b.id) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, MAX_BRANDS),
  };
}
