import type { SuggestResponse } from "../schema";
import type { CategoryRow } from "./facets";
import { MemoCache } from "../../lib/memo-cache";
import { textLimits } from "./listing";
import { matchExpression, searchWords } from "./query-text";

/** Product suggestions need this many letters typed: shorter prefixes match a large share of the catalog. */
export const MIN_PRODUCT_PREFIX = 3;
const MAX_CATEGORIES = 5;
const MAX_BRANDS = 4;

/** Whether every typed word starts some word of a name (the last one possibly half typed). */
function matchesName(words: string[], nameWords: string[]): boolean {
  return words.every((w) => nameWords.some((n) => n.startsWith(w)));
}

/** The categories and brands with their product counts: what every suggestion filters by name. */
interface Dictionaries {
  categories: (CategoryRow & { words: string[] })[];
  brands: { id: string; slug: string; name: string; words: string[] }[];
  byId: Map<string, CategoryRow>;
  categoryCounts: Map<string, number>;
  brandCounts: Map<string, number>;
}

/** How long this isolate reuses the dictionaries (as long as an answer is kept: `SUGGEST_TTL_MS` in search.ts). */
const DICTIONARIES_TTL_MS = 30_000;
/** One entry: the dictionaries as a settled, read-only value (lib/memo-cache.ts: never a promise of another request). */
const kept = new MemoCache(1);

/** Drops the isolate's dictionaries (a catalog write here or in another isolate: search.ts). */
export function forgetSuggestDictionaries(): void {
  kept.purge();
}

const PRODUCT_COLUMN = `json_group_array(json_array(p.slug, p.name, p.min_price, p.currency, b.name, c.name,
    (SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1), m.score, d.sold)) AS products`;
const PRODUCT_FROM = `FROM (SELECT m.doc_id, m.score FROM (SELECT rowid AS doc_id, bm25(search_fts, 10, 5) AS score FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m ORDER BY m.score LIMIT ?) m
    JOIN search_documents d ON d.doc_id = m.doc_id JOIN products p ON p.id = d.product_id
    LEFT JOIN brands b ON b.id = p.brand_id JOIN categories c ON c.id = p.category_id`;
const DICTIONARY_COLUMNS = `(SELECT json_group_array(json_array(id, parent_id, slug, name, path)) FROM categories) AS categories,
    (SELECT json_group_array(json_array(id, slug, name)) FROM brands) AS brands,
    (SELECT json_group_array(json_array(facet, value, category_id, count)) FROM search_facet_counts WHERE facet IN ('total', 'brand') AND count > 0) AS cells`;

function dictionariesFrom(row: Record<string, string | null>): Dictionaries {
  const parse = <T>(key: string): T[] => JSON.parse(row[key] ?? "[]") as T[];
  const categories = parse<[string, string | null, string, string, string]>("categories").map(([id, parentId, slug, name, path]) => ({
    id,
    parentId,
    slug,
    name,
    path,
    depth: 0,
    position: 0,
    words: searchWords(name),
  }));
  const brands = parse<[string, string, string]>("brands").map(([id, slug, name]) => ({ id, slug, name, words: searchWords(name) }));
  const categoryCounts = new Map<string, number>();
  const brandCounts = new Map<string, number>();
  const byId = new Map<string, CategoryRow>(categories.map((c) => [c.id, c]));
  for (const [facet, value, categoryId, count] of parse<[string, string, string, number]>("cells")) {
    if (facet === "brand") brandCounts.set(value, (brandCounts.get(value) ?? 0) + count);
    else
      for (const ancestor of (byId.get(categoryId)?.path ?? "").split("/").filter(Boolean))
        categoryCounts.set(ancestor, (categoryCounts.get(ancestor) ?? 0) + count);
  }
  return { categories, brands, byId, categoryCounts, brandCounts };
}

/**
 * Autocomplete for what has been typed so far: products whose name or brand match (ranked by
 * bm25, name above brand, among the newest `textLimits.candidates` matches), and categories and
 * brands whose names match, with product counts.
 * One D1 round trip at most: the product matches, with the category and brand dictionaries read beside them
 * (in parallel) when this isolate holds none (they are then kept for `DICTIONARIES_TTL_MS`, or until the catalog
 * changes). One or two letters read nothing once the dictionaries are kept.
 */
export async function suggestFor(d1: D1Database, text: string, limit: number): Promise<SuggestResponse> {
  const words = searchWords(text);
  const empty: SuggestResponse = { query: text, products: [], categories: [], brands: [] };
  if (words.length === 0) return empty;
  const letters = words.join("").length;
  const last = words.at(-1) ?? "";
  const match = letters >= MIN_PRODUCT_PREFIX && last.length >= 2 ? matchExpression(words, ["name", "brand"]) : null;

  const [dictionaries, row] = await Promise.all([
    kept.get("dictionaries", DICTIONARIES_TTL_MS, async () =>
      dictionariesFrom(((await d1.prepare(`SELECT ${DICTIONARY_COLUMNS}`).first()) ?? {}) as Record<string, string | null>),
    ),
    // The best of the newest matches, as full searches do (textLimits): bounded for "da" too.
    match ? d1.prepare(`SELECT ${PRODUCT_COLUMN} ${PRODUCT_FROM}`).bind(match, textLimits.candidates, limit).first<Record<string, string | null>>() : null,
  ]);
  const { categories, brands, byId, categoryCounts, brandCounts } = dictionaries;
  const parse = <T>(key: string): T[] => JSON.parse(row?.[key] ?? "[]") as T[];

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
      .filter((c) => (categoryCounts.get(c.id) ?? 0) > 0 && matchesName(words, c.words))
      .map((c) => ({ slug: c.slug, name: c.name, parent: (c.parentId && byId.get(c.parentId)?.slug) || null, count: categoryCounts.get(c.id) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, MAX_CATEGORIES),
    brands: brands
      .filter((b) => (brandCounts.get(b.id) ?? 0) > 0 && matchesName(words, b.words))
      .map((b) => ({ slug: b.slug, name: b.name, count: brandCounts.get(b.id) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, MAX_BRANDS),
  };
}
