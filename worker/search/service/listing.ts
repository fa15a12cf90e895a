import type { ListProductsQuery, ProductPage, ProductSort, ProductSummary, SearchFacets } from "../schema";
import { buildFacets, type Dictionaries, type DocumentWants, FacetCounts } from "./facets";
import { type ActiveFilter, activeFilters, type Dim, filtersOf, type SearchFilters } from "./filters";
import { matchExpression, searchWords } from "./query-text";
import { waitUntil } from "cloudflare:workers";
import { applySync, type DocumentSnapshot, dropSnapshot, loadSnapshotLater, snapshotForSearch, syncReads } from "./snapshot";
import { correctSpelling } from "./spelling";
import { countText, documentTests } from "./text-search";

/** bm25 weights of the full-text columns: name, brand, category, description. */
export const COLUMN_WEIGHTS = [10, 5, 3, 1] as const;

/**
 * The bound on a text search's work. Words matching at most `candidates` documents are answered
 * exactly over every match. Broader words are answered over their newest `candidates` matches (the
 * highest doc ids, which FTS5 lists first when asked for descending rowids): results are ranked,
 * filtered and sorted within that set, and the total and facet counts are that set's counts scaled
 * by how much of the doc-id range it covers, marked `estimated`. So no text search reads more than
 * `candidates + 1` full-text rows and `candidates` documents, however many products a word matches.
 * A setting (not a constant) so tests can lower it.
 */
export const textLimits = { candidates: 2_000 };

/** An estimated count: two significant figures, and never 0 for something seen. */
export function aboutCount(n: number): number {
  if (n <= 0) return 0;
  if (n < 100) return Math.max(1, Math.round(n));
  const unit = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / unit) * unit;
}

/**
 * How much to scale counts made over the newest `cap` matches when the bounded read found more
 * (`read` = cap + 1 rows, the smallest of them `lowest`): the sample covers the doc ids above
 * `lowest` up to the catalog's largest `top`. Null when every match was read (counts are exact).
 */
function sampleScale(read: number, lowest: number, top: number, cap: number): number | null {
  if (read <= cap) return null;
  return Math.max(1, top / Math.max(1, top - lowest));
}

/*
 * How a listing is answered (GET /api/products and the search and category pages).
 *
 * Facet counts are "the query with every OTHER filter applied": for each active filter D the
 * counts of D's own values come from the set E_D (everything but D), the other dimensions from
 * E_∅ (every filter). Each such set is answered one of two ways:
 *
 *  - from the trigger-maintained facet-count table, when it has no text query and filters only
 *    by category, in stock, whole price buckets and whole-star ratings (browsing everything, a
 *    department, "4 stars & up": the widest sets);
 *  - otherwise from one pass over the candidate documents: the rows that fail at most one of
 *    those filters, each tagged with a bitmask of the filters it passes, sent back to the Worker
 *    as JSON (one array per column). The text query (FTS5) or the most selective filters'
 *    indexes lead that pass; counting, sorting and paging happen here, exactly, without a second
 *    pass per facet.
 *
 * All of that is one statement (the first round trip); a second reads the shown page's products
 * for display.
 */

/**
 * The candidate pass's answer, one array per column: from SQL one JSON array per column (cheaper
 * to parse than one per row).
 */
export interface Candidates {
  doc_id: number[];
  category_id: string[];
  brand_id: Array<string | null>;
  vendor_id: Array<string | null>;
  price: number[];
  rating: number[];
  in_stock: number[];
  mask: number[];
  /** ",12,57," from SQL. */
  attribute_ids: Array<string | readonly number[]>;
  /** Present only when the sort needs them. */
  rating_count?: number[];
  featured?: number[];
  sold?: number[];
  created_at?: string[];
  score?: ArrayLike<number>;
}

const CANDIDATE_COLUMNS: Array<keyof Candidates> = [
  "doc_id",
  "category_id",
  "brand_id",
  "vendor_id",
  "price",
  "rating",
  "in_stock",
  "mask",
  "attribute_ids",
  "rating_count",
  "featured",
  "sold",
  "created_at",
  "score",
];

/** The sort keys each order needs from the candidates, beyond the facet columns. */
const SORT_COLUMNS: Record<ProductSort, Array<keyof Candidates>> = {
  relevance: ["featured", "sold"],
  price_asc: [],
  price_desc: [],
  newest: ["created_at"],
  rating: ["rating_count"],
  bestselling: ["sold"],
};

interface DisplayRow {
  doc_id: number;
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
 * Display columns of the products whose doc ids `source` (a subquery with `doc_id`) lists.
 * CROSS JOIN pins the join order: the few listed ids first, then one lookup each.
 */
function displaySql(source: string): string {
  return `SELECT k.doc_id, p.id, p.slug, p.name, p.currency, p.min_price, p.in_stock, p.rating_avg_x100, p.rating_count, p.created_at,
    b.slug AS brand_slug, b.name AS brand_name, c.slug AS category_slug, c.name AS category_name, s.name AS seller_name, s.handle AS seller_handle,
    (SELECT min(v.compare_at_price) FROM product_variants v WHERE v.product_id = p.id AND v.price = p.min_price) AS compare_at,
    (SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image_url
  FROM (${source}) k CROSS JOIN search_documents d ON d.doc_id = k.doc_id CROSS JOIN products p ON p.id = d.product_id
  LEFT JOIN brands b ON b.id = p.brand_id CROSS JOIN categories c ON c.id = p.category_id LEFT JOIN vendors s ON s.id = p.vendor_id`;
}

/** SQL text and its parameters, appended in step so placeholders and values never drift apart. */
class Sql {
  text = "";
  readonly params: unknown[] = [];
  add(text: string, params: readonly unknown[] = []): this {
    this.text += text;
    this.params.push(...params);
    return this;
  }
  /** `WITH name AS MATERIALIZED (...)` for the given expressions (none: nothing). */
  with(ctes: ReadonlyArray<{ name: string; sql: string; params: readonly unknown[] }>): this {
    for (const [i, c] of ctes.entries()) this.add(`${i === 0 ? "WITH " : ", "}${c.name} AS MATERIALIZED (${c.sql})`, c.params);
    return ctes.length ? this.add(" ") : this;
  }
  /** `cond AND cond …` of the filters (their own SQL and parameters). */
  conditions(conds: ReadonlyArray<{ sql: string; params: readonly unknown[] }>): this {
    for (const [i, c] of conds.entries()) this.add(`${i === 0 ? "" : " AND "}${c.sql}`, c.params);
    return this;
  }
  prepare(d1: D1Database): D1PreparedStatement {
    return d1.prepare(this.text).bind(...this.params);
  }
}

const ctesOf = (filters: ActiveFilter[]) => filters.flatMap((f) => (f.with ? [f.with] : []));

/** The index that walks each sort order (see migrations/0002_search_index.sql). */
const SORT_INDEX: Record<ProductSort, string> = {
  relevance: "search_documents_featured_idx",
  price_asc: "search_documents_price_idx",
  price_desc: "search_documents_price_idx",
  newest: "search_documents_created_idx",
  rating: "search_documents_rating_idx",
  bestselling: "search_documents_sold_idx",
};

/** The index that finds the documents of a category subtree, price range or minimum rating. */
const FILTER_INDEX = {
  category: "search_documents_category_idx",
  price: "search_documents_price_idx",
  rating: "search_documents_rating_idx",
} as const;

const SQL_ORDER: Record<ProductSort, string> = {
  relevance: "d.featured DESC, d.sold DESC, d.doc_id",
  price_asc: "d.price, d.doc_id",
  price_desc: "d.price DESC, d.doc_id",
  newest: "d.created_at DESC, d.doc_id",
  rating: "d.rating DESC, d.rating_count DESC, d.doc_id",
  bestselling: "d.sold DESC, d.doc_id",
};

/** What ordering reads: candidate columns by index, or snapshot columns by doc id (no `doc_id`: the index is the doc id). */
type SortColumns = {
  doc_id?: ArrayLike<number>;
  price: ArrayLike<number>;
  rating: ArrayLike<number>;
  rating_count?: ArrayLike<number>;
  featured?: ArrayLike<number>;
  sold?: ArrayLike<number>;
  created_at?: ArrayLike<string | number>;
  score?: ArrayLike<number>;
};

/** Compares two candidates (by index) in `sort` order, ties by doc id. */
function compareCandidates(c: SortColumns, sort: ProductSort, ranked: boolean): (a: number, b: number) => number {
  const ids = c.doc_id;
  const id = ids ? (a: number, b: number) => (ids[a] ?? 0) - (ids[b] ?? 0) : (a: number, b: number) => a - b;
  const n = (list: ArrayLike<number> | undefined, i: number) => list?.[i] ?? 0;
  switch (sort) {
    case "relevance":
      return ranked
        ? (a, b) => n(c.score, a) - n(c.score, b) || n(c.sold, b) - n(c.sold, a) || id(a, b)
        : (a, b) => n(c.featured, b) - n(c.featured, a) || n(c.sold, b) - n(c.sold, a) || id(a, b);
    case "price_asc":
      return (a, b) => n(c.price, a) - n(c.price, b) || id(a, b);
    case "price_desc":
      return (a, b) => n(c.price, b) - n(c.price, a) || id(a, b);
    case "newest":
      return (a, b) => {
        const x = c.created_at?.[a] ?? "";
        const y = c.created_at?.[b] ?? "";
        return (x < y ? 1 : x > y ? -1 : 0) || id(a, b);
      };
    case "rating":
      return (a, b) => n(c.rating, b) - n(c.rating, a) || n(c.rating_count, b) - n(c.rating_count, a) || id(a, b);
    case "bestselling":
      return (a, b) => n(c.sold, b) - n(c.sold, a) || id(a, b);
  }
}

/** The first `k` of `items` in `compare` order: a bounded insertion pass when k is small, else a sort. */
export function firstInOrder(items: number[], k: number, compare: (a: number, b: number) => number): number[] {
  if (k <= 0) return [];
  if (k > 500 || k * 8 > items.length) return items.sort(compare).slice(0, k);
  const top: number[] = [];
  for (const item of items) {
    if (top.length === k && compare(item, top[k - 1] as number) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(item, top[mid] as number) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}

function toSummary(r: DisplayRow): ProductSummary {
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

/** A set of filters the facet-count table answers: no text query, and every filter has a cell condition. */
function precomputable(hasText: boolean, filters: ActiveFilter[]): boolean {
  return !hasText && filters.every((f) => f.cells !== undefined);
}

const TOTAL_DIMS: ReadonlySet<string> = new Set(["category", "inStock", "price", "rating"]);

/**
 * Reads of the facet-count table for the set `filters`, each one JSON value (to sit in a SELECT
 * list): totals per (category, stock, price, rating) cell, and brand/vendor/attribute value sums.
 */
function cellReadsOf(filters: ActiveFilter[], wantsTotals: boolean, valueFacets: string[]): Array<{ totals: boolean; sql: Sql }> {
  const conds = filters.flatMap((f) => (f.cells ? [f.cells] : []));
  const out: Array<{ totals: boolean; sql: Sql }> = [];
  if (wantsTotals) {
    const sql = new Sql().add(
      "SELECT json_group_array(json_array(category_id, in_stock, price_bucket, rating_bucket, n)) FROM (SELECT category_id, in_stock, price_bucket, rating_bucket, sum(count) AS n FROM search_facet_counts WHERE facet = 'total'",
    );
    if (conds.length) sql.add(" AND ").conditions(conds);
    out.push({ totals: true, sql: sql.add(" GROUP BY 1, 2, 3, 4 HAVING n > 0)") });
  }
  if (valueFacets.length) {
    // Within a category, its own cells (the planner would otherwise walk every category's).
    const index = filters.some((f) => f.dim === "category") ? " INDEXED BY search_facet_counts_category_idx" : "";
    const sql = new Sql().add(
      `SELECT json_group_array(json_array(facet, value, n)) FROM (SELECT facet, value, sum(count) AS n FROM search_facet_counts${index} WHERE facet IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(valueFacets)],
    );
    if (conds.length) sql.add(" AND ").conditions(conds);
    out.push({ totals: false, sql: sql.add(" GROUP BY 1, 2 HAVING n > 0)") });
  }
  return out;
}

/** The catalog's dictionaries, each one JSON value: categories, brands, active sellers' names, attribute values. */
const DICTIONARY_READS = [
  "(SELECT json_group_array(json_array(id, parent_id, slug, name, path, depth, position)) FROM categories) AS dict_categories",
  "(SELECT json_group_array(json_array(id, slug, name)) FROM brands) AS dict_brands",
  "(SELECT json_group_array(json_array(id, name)) FROM vendors WHERE status = 'active') AS dict_vendors",
  "(SELECT json_group_array(json_array(value_id, name, value)) FROM search_attribute_values) AS dict_attributes",
  "(SELECT coalesce(sum(count), 0) FROM search_facet_counts WHERE facet = 'total') AS catalog_size",
  "(SELECT coalesce(max(doc_id), 0) FROM search_documents) AS top_doc",
].join(", ");

interface Plan {
  words: string[];
  sort: ProductSort;
  filters: SearchFilters;
  active: ActiveFilter[];
  /** The base currency: the price facet's buckets are in its minor units. */
  currency: string;
}

/**
 * One page of active products matching `query`, with facet counts (price buckets labelled in
 * `currency`, the store's base currency). `words` overrides the words of `query.q` (used to retry
 * a corrected spelling).
 */
export async function searchProducts(d1: D1Database, query: ListProductsQuery, currency: string, words?: string[]): Promise<ProductPage> {
  const q = query.q?.trim() ?? "";
  const filters = filtersOf(query);
  const plan: Plan = { words: words ?? (q ? searchWords(q) : []), sort: query.sort, filters, active: activeFilters(filters), currency };
  if (q && plan.words.length === 0) return emptyPage(query, plan.filters);

  const result = await runPlan(d1, plan, query.page, query.perPage);
  // Only words that match nothing are corrected (not words whose matches the filters all exclude).
  if (result.total === 0 && plan.words.length > 0 && words === undefined && !wordsMatched.has(result)) {
    const corrected = await correctSpelling(d1, plan.words);
    if (corrected) {
      const retry = await runPlan(d1, { ...plan, words: corrected }, query.page, query.perPage);
      if (retry.total > 0) return { ...retry, didYouMean: corrected.join(" ") };
    }
  }
  return result;
}

function emptyPage(query: ListProductsQuery, filters: SearchFilters): ProductPage {
  const empty: SearchFacets = {
    category: [],
    brand: [],
    vendor: [],
    price: [],
    rating: [],
    inStock: [{ value: "true", label: "In stock", count: 0, selected: filters.inStock === true }],
    attributes: {},
  };
  return { items: [], total: 0, estimated: false, page: query.page, perPage: query.perPage, facets: empty, didYouMean: null };
}

type Wants = (dim: Dim) => boolean;

/** Pages of text searches whose words matched something (before filters). */
const wordsMatched = new WeakSet<ProductPage>();

async function runPlan(d1: D1Database, plan: Plan, page: number, perPage: number, retried = false): Promise<ProductPage> {
  const { words, sort, active, filters } = plan;
  const hasText = words.length > 0;
  const ranked = hasText && sort === "relevance";
  const activeDims = active.map((f) => f.dim);

  // Which set each facet dimension is counted over, and how each set is answered.
  const fullIsPrecomputed = precomputable(hasText, active);
  const excludedPrecomputed = new Map(
    active.map((f) => [
      f.dim,
      precomputable(
        hasText,
        active.filter((o) => o !== f),
      ),
    ]),
  );
  // Filters whose "everything but me" set needs candidate rows; the others must always pass.
  const np = fullIsPrecomputed ? [] : active.filter((f) => !excludedPrecomputed.get(f.dim));
  const mustPass = fullIsPrecomputed ? [] : active.filter((f) => excludedPrecomputed.get(f.dim));

  // Facet-count table reads, each with the dimensions its answer may count.
  const cellReads: Array<{ totals: boolean; sql: Sql; wants: Wants; counted: boolean }> = [];
  if (fullIsPrecomputed) {
    for (const read of cellReadsOf(active, true, ["brand", "vendor", "attr"])) {
      cellReads.push({ ...read, wants: (dim) => !activeDims.includes(dim), counted: read.totals });
    }
  }
  for (const f of active) {
    if (!excludedPrecomputed.get(f.dim)) continue;
    const valueFacet = f.dim.startsWith("attr:") ? "attr" : f.dim;
    const reads = cellReadsOf(
      active.filter((o) => o !== f),
      TOTAL_DIMS.has(f.dim),
      TOTAL_DIMS.has(f.dim) ? [] : [valueFacet],
    );
    for (const read of reads) cellReads.push({ ...read, wants: (dim) => dim === f.dim, counted: false });
  }

  // One statement answers the first round trip (D1 charges per statement, locally ~0.5 ms each):
  // the dictionaries and the cell reads sit in its SELECT list, beside the candidate pass if any.
  const scalars = new Sql().add(DICTIONARY_READS);
  for (const [i, read] of cellReads.entries()) scalars.add(", (").add(read.sql.text, read.sql.params).add(`) AS cells_${i}`);
  // With the isolate's document snapshot, a text search reads only the full-text index from D1
  // (plus the snapshot's catch-up) and the matches' fields come from the snapshot; without one
  // (a fresh isolate, or a catalog over the snapshot's budget) D1 reads them (see snapshot.ts).
  const snapshot = hasText ? await snapshotForSearch(d1) : null;
  const position = snapshot ? { seq: snapshot.seq, token: snapshot.token } : null;
  const cap = textLimits.candidates;
  const main = fullIsPrecomputed
    ? new Sql().add("SELECT ").add(scalars.text, scalars.params)
    : snapshot
      ? textSql({ words, scored: ranked && np.length === 0, cap }, scalars, snapshot)
      : candidatesSql({ words, ranked, sort, np, mustPass, cap }, scalars);
  const row = ((await main.prepare(d1).first()) ?? {}) as Record<string, string | number | null>;
  if (snapshot && position && !applySync(snapshot, position.seq, position.token, row)) {
    // Not the database the snapshot followed (restored, rolled back, or too far behind), or the
    // catalog outgrew it: drop it and answer again (from a fresh copy or D1 alone).
    dropSnapshot(snapshot);
    if (!retried) return runPlan(d1, plan, page, perPage, true);
    throw new Error("the search snapshot could not be brought up to date");
  }
  const parse = <T>(key: string): T[] => JSON.parse(String(row[key] ?? "[]")) as T[];

  const dictionaries: Dictionaries = {
    categories: parse<[string, string | null, string, string, string, number, number]>("dict_categories").map(
      ([id, parentId, slug, name, path, depth, position]) => ({
        id,
        parentId,
        slug,
        name,
        path,
        depth,
        position,
      }),
    ),
    brands: new Map(parse<[string, string, string]>("dict_brands").map(([id, slug, name]) => [id, { slug, name }])),
    vendors: new Map(parse<[string, string]>("dict_vendors")),
    attributes: new Map(parse<[number, string, string]>("dict_attributes").map(([id, name, value]) => [id, { name, value }])),
  };
  const counts = new FacetCounts(dictionaries);
  let total = 0;
  const top = Number(row.top_doc ?? 0);
  // Set when the words matched more than `cap` documents: counts are then scaled estimates.
  let scale: number | null = null;
  cellReads.forEach((read, i) => {
    for (const cell of parse<unknown[]>(`cells_${i}`)) {
      if (read.totals) {
        const [categoryId, inStock, priceBucket, ratingBucket, n] = cell as [string, number, number, number, number];
        if (read.counted) total += n;
        counts.addTotals({ categoryId, inStock, priceBucket, ratingBucket }, n, read.wants);
      } else {
        const [facet, value, n] = cell as [string, string, number];
        counts.addValue(facet, value, n, read.wants);
      }
    }
  });

  const offset = (page - 1) * perPage;
  let items: ProductSummary[];
  if (fullIsPrecomputed) {
    // The page comes either from walking the sort order's own index, skipping documents the
    // filters drop, or from the narrowest filter's index and a sort of its matches. Walking wins
    // only when the filters keep most of the catalog: sort orders correlate with categories and
    // prices (a cheap category's first pages lie deep in the price index). The planner cannot
    // know how wide a category subtree or rating range is; the counts above do.
    const catalogSize = Number(row.catalog_size ?? total);
    const narrowing = (["category", "price", "rating"] as const).find((dim) => activeDims.includes(dim));
    const walk = !narrowing || total > catalogSize * 0.3;
    const index = walk ? SORT_INDEX[sort] : FILTER_INDEX[narrowing];
    const inner = new Sql().add(`SELECT d.doc_id FROM search_documents d INDEXED BY ${index}`);
    if (active.length) inner.add(" WHERE ").conditions(active);
    inner.add(` ORDER BY ${SQL_ORDER[sort]} LIMIT ? OFFSET ?`, [perPage, offset]);
    items = total > offset ? await displayRows(d1, inner, SQL_ORDER[sort]) : [];
  } else if (snapshot) {
    let ids = parse<number>("match_ids");
    const scored = ranked && np.length === 0;
    let scores = scored ? parse<number>("match_scores") : null;
    if (ids.length > cap) {
      // The bounded read returned cap + 1 rows: keep the newest cap (the candidate set), and the
      // one left out tells how far down the doc ids the set reaches.
      const byId = ids.map((_, i) => i).sort((a, b) => (ids[b] as number) - (ids[a] as number));
      scale = sampleScale(ids.length, ids[byId[cap] as number] as number, top, cap);
      const keep = byId.slice(0, cap);
      const all = { ids, scores };
      ids = keep.map((i) => all.ids[i] as number);
      scores = all.scores ? keep.map((i) => all.scores?.[i] as number) : null;
    }
    const counted = countText(snapshot, {
      ids,
      scores,
      tests: documentTests(snapshot, np, filters, dictionaries),
      dims: np.map((f) => f.dim),
      counts,
      dictionaries,
    });
    const matching = counted.matching;
    let score = counted.score;
    total = matching.length;
    // With filters, only the documents passing all of them are scored (often a small share).
    if (ranked && !scored && total > offset) score = await scoresOf(d1, snapshot, words, matching);
    // The snapshot's columns are indexed by doc id: they serve as sort columns as they are.
    const view: SortColumns = { ...snapshotColumns(snapshot), score };
    const shown = firstInOrder(matching, offset + perPage, compareCandidates(view, sort, ranked)).slice(offset);
    items = shown.length ? await displayRows(d1, shown) : [];
  } else {
    const c = Object.fromEntries(CANDIDATE_COLUMNS.filter((k) => k in row).map((k) => [k, parse(k)])) as unknown as Candidates;
    if (row.text_probe != null) {
      const [read, lowest] = JSON.parse(String(row.text_probe)) as [number, number];
      scale = sampleScale(read, lowest, top, cap);
    }
    const full = (1 << np.length) - 1;
    const bitOf = new Map(np.map((f, i) => [f.dim, 1 << i]));
    // Passing every filter: counted for every dimension the table does not answer, and listed.
    // Failing exactly filter D: counted only for D's own values.
    const wantsByMask = new Map<number, DocumentWants>();
    const wantsFor = (mask: number) => {
      let w = wantsByMask.get(mask);
      if (!w) {
        const failed = full ^ mask;
        w = counts.documentWants(mask === full ? (dim) => !excludedPrecomputed.get(dim) : (dim) => bitOf.get(dim) === failed);
        wantsByMask.set(mask, w);
      }
      return w;
    };
    const matching: number[] = [];
    const size = c.doc_id?.length ?? 0;
    for (let i = 0; i < size; i++) {
      const mask = c.mask[i] ?? 0;
      if (mask === full) matching.push(i);
      counts.addDocument(
        {
          categoryId: c.category_id[i] ?? "",
          brandId: c.brand_id[i] ?? null,
          vendorId: c.vendor_id[i] ?? null,
          price: c.price[i] ?? 0,
          rating: c.rating[i] ?? 0,
          inStock: c.in_stock[i] ?? 0,
          attributeIds: c.attribute_ids[i] ?? ",",
        },
        wantsFor(mask),
      );
    }
    total = matching.length;
    const shown = firstInOrder(matching, offset + perPage, compareCandidates(c, sort, ranked))
      .slice(offset)
      .map((i) => c.doc_id[i] ?? 0);
    items = shown.length ? await displayRows(d1, shown) : [];
  }
  if (scale !== null) {
    counts.scale(scale, aboutCount);
    total = aboutCount(total * scale);
  }
  const answer: ProductPage = {
    items,
    total,
    estimated: scale !== null,
    page,
    perPage,
    facets: buildFacets(counts, filters, dictionaries, plan.currency),
    didYouMean: null,
  };
  if (snapshot && String(row.match_ids ?? "[]") !== "[]") wordsMatched.add(answer);
  if (hasText && !snapshot) loadSnapshotLater(d1, inBackground);
  return answer;
}

/** The snapshot's sort columns under the candidate column names (read by doc id). */
function snapshotColumns(s: DocumentSnapshot): Omit<SortColumns, "score"> {
  return {
    price: s.price,
    rating: s.rating,
    rating_count: s.ratingCount,
    featured: s.featured,
    sold: s.sold,
    created_at: s.createdAt,
  };
}

/** Hands a background load to this request's waitUntil (outside a request, e.g. a script: not at all). */
function inBackground(work: Promise<unknown>): void {
  try {
    waitUntil(work);
  } catch {
    // No request to extend: the work still runs as far as the runtime lets it.
  }
}

/**
 * The shown page's products for display: `source` lists their doc ids, either as an array in
 * page order or as a query (then `order` puts the page's rows back in order).
 */
async function displayRows(d1: D1Database, source: number[] | Sql, order = "k.n"): Promise<ProductSummary[]> {
  const sql = Array.isArray(source) ? new Sql().add("SELECT value AS doc_id, key AS n FROM json_each(?)", [JSON.stringify(source)]) : source;
  const { results } = await d1
    .prepare(`${displaySql(sql.text)} ORDER BY ${order}`)
    .bind(...sql.params)
    .all<DisplayRow>();
  return results.map(toSummary);
}

/**
 * The first statement of a text search: every document the words match (ids, and bm25 scores
 * when ranked: lower is better), the dictionaries, and the snapshot's catch-up reads. No document
 * is looked up here: the snapshot has their fields.
 */
function textSql(o: { words: string[]; scored: boolean; cap: number }, scalars: Sql, snapshot: DocumentSnapshot): Sql {
  const sync = syncReads(snapshot);
  const sql = new Sql().add(`SELECT json_group_array(rowid) AS match_ids${o.scored ? ", json_group_array(score) AS match_scores" : ""}, `);
  sql.add(scalars.text, scalars.params).add(", ").add(sync.sql, sync.params);
  // The LIMIT keeps the subquery from being flattened (bm25() must run where the full-text table is
  // scanned) and bounds the read: the newest cap + 1 matches (see textLimits).
  const score = o.scored ? `, bm25(search_fts, ${COLUMN_WEIGHTS.join(", ")}) AS score` : "";
  return sql.add(` FROM (SELECT rowid${score} FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?)`, [matchExpression(o.words), o.cap + 1]);
}

/**
 * bm25 scores (by doc id, lower is better) of the matches listed in `docs` only. `+rowid` keeps the
 * list out of FTS5's index lookup (it would run the whole MATCH once per listed id): the match is
 * read once (from the smallest listed id on) and bm25 computed only for listed rows.
 */
async function scoresOf(d1: D1Database, snapshot: DocumentSnapshot, words: string[], docs: number[]): Promise<Float64Array> {
  // FTS5 starts its scan at the smallest listed id (it takes rowid ranges), so a broad word's
  // matches below the candidate set are never read.
  let lowest = Number.POSITIVE_INFINITY;
  for (const d of docs) lowest = Math.min(lowest, d);
  const row = await d1
    .prepare(
      `SELECT json_group_array(rowid) AS ids, json_group_array(score) AS scores FROM (SELECT rowid, bm25(search_fts, ${COLUMN_WEIGHTS.join(", ")}) AS score
        FROM search_fts WHERE search_fts MATCH ? AND rowid >= ? AND +rowid IN (SELECT value FROM json_each(?)) LIMIT -1)`,
    )
    .bind(matchExpression(words), lowest, JSON.stringify(docs))
    .first<{ ids: string; scores: string }>();
  const ids = JSON.parse(row?.ids ?? "[]") as number[];
  const scores = JSON.parse(row?.scores ?? "[]") as number[];
  const out = new Float64Array(snapshot.capacity);
  for (let i = 0; i < ids.length; i++) out[ids[i] as number] = scores[i] as number;
  return out;
}

/**
 * The candidate pass: documents matching the words (if any) that fail at most one of `np`
 * and pass every filter in `mustPass`, as one JSON array of compact rows with a bitmask of the
 * `np` filters each passes. One JSON array per column: parsing flat arrays costs half what
 * parsing one small array per row does.
 */
function candidatesSql(
  o: { words: string[]; ranked: boolean; sort: ProductSort; np: ActiveFilter[]; mustPass: ActiveFilter[]; cap: number },
  scalars: Sql,
): Sql {
  const match = matchExpression(o.words);
  const hasText = match !== null;
  const ctes = ctesOf([...o.np, ...o.mustPass]);
  const sql = new Sql().with(ctes);
  const columns: Array<keyof Candidates> = ["doc_id", "category_id", "brand_id", "vendor_id", "price", "rating", "in_stock", "mask", "attribute_ids"];
  columns.push(...SORT_COLUMNS[o.sort].filter((k) => !(o.ranked && k === "featured")));
  if (o.ranked) columns.push("score");
  // The bitmask of the `np` filters a document passes, and the masks worth sending: all passed,
  // or all but one.
  const mask = new Sql();
  if (o.np.length === 0) mask.add("0");
  for (const [i, f] of o.np.entries()) mask.add(`${i ? " + " : ""}(CASE WHEN ${f.sql} THEN ${1 << i} ELSE 0 END)`, f.params);
  const full = (1 << o.np.length) - 1;
  const allowed = [full, ...o.np.map((_, i) => full ^ (1 << i))].join(", ");
  const bm25 = `bm25(search_fts, ${COLUMN_WEIGHTS.join(", ")})`;
  sql.add(`SELECT ${columns.map((k) => `json_group_array(${k}) AS ${k}`).join(", ")}, `).add(scalars.text, scalars.params);
  // How many of the newest cap + 1 matches exist, and the smallest of them: whether the words
  // match more than the candidate set, and how far down the doc ids the set reaches.
  if (hasText) {
    sql.add(
      ", (SELECT json_array(count(*), coalesce(min(rowid), 0)) FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?)) AS text_probe",
      [match, o.cap + 1],
    );
  }
  sql.add(" FROM (");
  sql.add("SELECT d.doc_id, d.category_id, d.brand_id, d.vendor_id, d.price, d.rating, d.rating_count, d.in_stock, d.featured, d.sold, d.created_at, ");
  // Relevance is sent only for documents that are listed (they pass every filter).
  if (!o.ranked) sql.add("0");
  else if (o.np.length === 0) sql.add("m.score");
  else sql.add("CASE WHEN ").add(mask.text, mask.params).add(` = ${full} THEN m.score ELSE 0 END`);
  sql.add(" AS score, ").add(mask.text, mask.params).add(" AS mask, d.attribute_ids FROM ");
  const where: Array<{ sql: string; params: readonly unknown[] }> = [];
  if (match) {
    // The newest cap matches (textLimits), scored where FTS5 reads them (bm25() runs only there).
    const score = o.ranked ? `, ${bm25} AS score` : "";
    sql.add(
      `(SELECT rowid${score} FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m CROSS JOIN search_documents d ON d.doc_id = m.rowid`,
      [match, o.cap],
    );
  } else sql.add("search_documents d");
  // Without text, a filter's index leads: its driver form when it has one.
  const lead = (f: ActiveFilter) => (!hasText && f.driver ? f.driver : f);
  where.push(...o.mustPass.map(lead));
  if (!hasText && o.mustPass.length === 0 && o.np.length >= 2) {
    // Every needed row passes all but one filter, so it passes one of any two: let the two most
    // selective indexes lead (SQLite reads both and unions the rows).
    const leaders = o.np
      .filter((f) => f.driverRank !== null)
      .sort((a, b) => (a.driverRank ?? 99) - (b.driverRank ?? 99))
      .slice(0, 2)
      .map(lead);
    if (leaders.length === 2) where.push({ sql: `(${leaders[0]?.sql} OR ${leaders[1]?.sql})`, params: leaders.flatMap((l) => l.params) });
  }
  // Documents failing two or more filters are dropped before anything is built for them.
  if (o.np.length) where.push({ sql: `(${mask.text}) IN (${allowed})`, params: mask.params });
  if (where.length) sql.add(" WHERE ").conditions(where);
  // LIMIT -1 keeps the subquery from being flattened into the aggregate.
  sql.add(" LIMIT -1)");
  return sql;
}
