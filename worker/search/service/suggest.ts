import type { SuggestResponse } from "../schema";
import type { CategoryRow } from "./facets";
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
 * bm25, name above brand), and categories and brands whose names match, with product counts.
 * Answers in one D1 round trip.
 */
export async function suggestFor(d1: D1Database, text: string, limit: number): Promise<SuggestResponse> {
  const words = searchWords(text);
  const empty: SuggestResponse = { query: text, products: [], categories: [], brands: [] };
  if (words.length === 0) return empty;
  const letters = words.join("").length;
  const last = words.at(-1) ?? "";
  const match = letters >= MIN_PRODUCT_PREFIX && last.length >= 2 ? matchExpression(words, ["name", "brand"]) : null;

  const statements: D1PreparedStatement[] = [
    d1.prepare("SELECT id, parent_id AS parentId, slug, name, path, depth, position FROM categories"),
    d1.prepare("SELECT id, slug, name FROM brands"),
    d1.prepare(
      "SELECT json_group_array(json_array(facet, value, category_id, count)) AS cells FROM search_facet_counts WHERE facet IN ('total', 'brand') AND count > 0",
    ),
  ];
  if (match) {
    statements.push(
      d1
        .prepare(
          `SELECT p.slug, p.name, p.min_price, p.currency, b.name AS brand, c.name AS category,
            (SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image_url
          FROM (SELECT rowid AS doc_id, bm25(search_fts, 10, 5) AS score FROM search_fts WHERE search_fts MATCH ? ORDER BY score LIMIT ?) m
          JOIN search_documents d ON d.doc_id = m.doc_id JOIN products p ON p.id = d.product_id
          LEFT JOIN brands b ON b.id = p.brand_id JOIN categories c ON c.id = p.category_id
          ORDER BY m.score, d.sold DESC`,
        )
        .bind(match, limit),
    );
  }
  const [categoryRows, brandRows, cellRows, productRows] = await d1.batch(statements);
  const categories = (categoryRows?.results ?? []) as unknown as CategoryRow[];
  const brands = (brandRows?.results ?? []) as Array<{ id: string; slug: string; name: string }>;
  const cells = JSON.parse((cellRows?.results[0] as { cells: string } | undefined)?.cells ?? "[]") as Array<[string, string, string, number]>;

  const categoryCounts = new Map<string, number>();
  const brandCounts = new Map<string, number>();
  const byId = new Map(categories.map((c) => [c.id, c]));
  for (const [facet, value, categoryId, count] of cells) {
    if (facet === "brand") brandCounts.set(value, (brandCounts.get(value) ?? 0) + count);
    else
      for (const ancestor of (byId.get(categoryId)?.path ?? "").split("/").filter(Boolean))
        categoryCounts.set(ancestor, (categoryCounts.get(ancestor) ?? 0) + count);
  }

  const products = (
    (productRows?.results ?? []) as Array<{
      slug: string;
      name: string;
      min_price: number;
      currency: string;
      brand: string | null;
      category: string;
      image_url: string | null;
    }>
  ).map((p) => ({
    slug: p.slug,
    name: p.name,
    brand: p.brand,
    category: p.category,
    price: { amount: p.min_price, currency: p.currency },
    image: p.image_url ? { url: p.image_url, alt: p.name } : null,
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
