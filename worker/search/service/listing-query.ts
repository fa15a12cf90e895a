import type { ProductSort } from "../schema";
import type { ActiveFilter } from "./filters";
import { matchExpression } from "./query-text";
import { type DocumentSnapshot, syncReads } from "./snapshot";
import { Sql } from "./sql";

// The statements of a listing: the first round trip (dictionaries, facet-count cells, and the candidate pass or
// the text matches), the indexes each sort and filter walks, and the bm25 scores of a text search's matches.

/** bm25 weights of the full-text columns: name, brand, category, description. */
export const COLUMN_WEIGHTS = [10, 5, 3, 1] as const;
/** The relevance of a full-text match with those weights (lower is better), for a SELECT over `search_fts`. */
const BM25 = `bm25(search_fts, ${COLUMN_WEIGHTS.join(", ")})`;

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

export const CANDIDATE_COLUMNS: Array<keyof Candidates> = [
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

const ctesOf = (filters: ActiveFilter[]) => filters.flatMap((f) => (f.with ? [f.with] : []));

/** The index that walks each sort order (see migrations/0002_search_index.sql). */
export const SORT_INDEX: Record<ProductSort, string> = {
  relevance: "search_documents_featured_idx",
  price_asc: "search_documents_price_idx",
  price_desc: "search_documents_price_idx",
  newest: "search_documents_created_idx",
  rating: "search_documents_rating_idx",
  bestselling: "search_documents_sold_idx",
};

/** The index that finds the documents of a category subtree, price range or minimum rating. */
export const FILTER_INDEX = {
  category: "search_documents_category_idx",
  price: "search_documents_price_idx",
  rating: "search_documents_rating_idx",
} as const;

export const SQL_ORDER: Record<ProductSort, string> = {
  relevance: "d.featured DESC, d.sold DESC, d.doc_id",
  price_asc: "d.price, d.doc_id",
  price_desc: "d.price DESC, d.doc_id",
  newest: "d.created_at DESC, d.doc_id",
  rating: "d.rating DESC, d.rating_count DESC, d.doc_id",
  bestselling: "d.sold DESC, d.doc_id",
};

/** A set of filters the facet-count table answers: no text query, and every filter has a cell condition. */
export function precomputable(hasText: boolean, filters: ActiveFilter[]): boolean {
  return !hasText && filters.every((f) => f.cells !== undefined);
}

export const TOTAL_DIMS: ReadonlySet<string> = new Set(["category", "inStock", "price", "rating"]);

/**
 * Reads of the facet-count table for the set `filters`, each one JSON value (to sit in a SELECT
 * list): totals per (category, stock, price, rating) cell, and brand/vendor/attribute value sums.
 */
export function cellReadsOf(filters: ActiveFilter[], wantsTotals: boolean, valueFacets: string[]): Array<{ totals: boolean; sql: Sql }> {
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
export const DICTIONARY_READS = [
  "(SELECT json_group_array(json_array(id, parent_id, slug, name, path, depth, position)) FROM categories) AS dict_categories",
  "(SELECT json_group_array(json_array(id, slug, name)) FROM brands) AS dict_brands",
  "(SELECT json_group_array(json_array(id, name)) FROM vendors WHERE status = 'active') AS dict_vendors",
  "(SELECT json_group_array(json_array(value_id, name, value)) FROM search_attribute_values) AS dict_attributes",
  "(SELECT coalesce(sum(count), 0) FROM search_facet_counts WHERE facet = 'total') AS catalog_size",
  "(SELECT coalesce(max(doc_id), 0) FROM search_documents) AS top_doc",
].join(", ");

/**
 * The first statement of a text search: every document the words match (ids, and bm25 scores
 * when ranked: lower is better), the dictionaries, and the snapshot's catch-up reads. No document
 * is looked up here: the snapshot has their fields.
 */
export function textSql(o: { words: string[]; scored: boolean; cap: number }, scalars: Sql, snapshot: DocumentSnapshot): Sql {
  const sync = syncReads(snapshot);
  const sql = new Sql().add(`SELECT json_group_array(rowid) AS match_ids${o.scored ? ", json_group_array(score) AS match_scores" : ""}, `);
  sql.add(scalars.text, scalars.params).add(", ").add(sync.sql, sync.params);
  // The LIMIT keeps the subquery from being flattened (bm25() must run where the full-text table is
  // scanned) and bounds the read: the newest cap + 1 matches (see textLimits).
  const score = o.scored ? `, ${BM25} AS score` : "";
  return sql.add(` FROM (SELECT rowid${score} FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?)`, [matchExpression(o.words), o.cap + 1]);
}

/**
 * bm25 scores (by doc id, lower is better) of the matches listed in `docs` only. `+rowid` keeps the
 * list out of FTS5's index lookup (it would run the whole MATCH once per listed id): the match is
 * read once (from the smallest listed id on) and bm25 computed only for listed rows.
 */
export async function scoresOf(d1: D1Database, snapshot: DocumentSnapshot, words: string[], docs: number[]): Promise<Float64Array> {
  // FTS5 starts its scan at the smallest listed id (it takes rowid ranges), so a broad word's
  // matches below the candidate set are never read.
  let lowest = Number.POSITIVE_INFINITY;
  for (const d of docs) lowest = Math.min(lowest, d);
  const row = await d1
    .prepare(
      `SELECT json_group_array(rowid) AS ids, json_group_array(score) AS scores FROM (SELECT rowid, ${BM25} AS score
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
export function candidatesSql(
  o: { words: string[]; ranked: boolean; sort: ProductSort; np: ActiveFilter[]; mustPass: ActiveFilter[]; cap: number },
  scalars: Sql,
): Sql {
  const match = matchExpression(o.words);
  const hasText = match !== null;
  const ctes = ctesOf([...o.np, ...o.mustPass]);
  if (match) {
    // The newest cap + 1 matches, read once (scored where FTS5 reads them: bm25() runs only there):
    // the probe below counts them, the candidate pass joins the newest cap. Read twice, FTS5 merged
    // the words' document lists twice (at 1M products 13 % of the statement; BENCHMARKS.md).
    const score = o.ranked ? `, ${BM25} AS score` : "";
    ctes.push({
      name: "text_matches",
      sql: `SELECT rowid${score} FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
      params: [match, o.cap + 1],
    });
  }
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
  sql.add(`SELECT ${columns.map((k) => `json_group_array(${k}) AS ${k}`).join(", ")}, `).add(scalars.text, scalars.params);
  // How many of the newest cap + 1 matches exist, and the smallest of them: whether the words
  // match more than the candidate set, and how far down the doc ids the set reaches.
  if (hasText) {
    sql.add(", (SELECT json_array(count(*), coalesce(min(rowid), 0)) FROM text_matches) AS text_probe");
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
    // The newest cap matches (textLimits): the candidate set.
    sql.add(`(SELECT * FROM text_matches ORDER BY rowid DESC LIMIT ?) m CROSS JOIN search_documents d ON d.doc_id = m.rowid`, [o.cap]);
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
