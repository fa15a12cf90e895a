import type { ProductSort } from "../schema";
import type { ActiveFilter } from "./filters";
import { FILTER_INDEX, SORT_INDEX, SQL_ORDER } from "./listing-query";
import { D1_MAX_PARAMS, Sql, unionAll } from "./sql";

// The page of a browse without words: which index leads its read, chosen from the facet counts (exact for
// these browses), and the SQL of each way (docs/search.md, "Browsing without words").

/**
 * How a browse without words reads its page (browsePageSql): up to how many categories a category
 * browse reads category by category, and when a browse may walk its sort order's index a bounded
 * distance before falling back to the narrowest filter's index. Settings (not constants) so tests
 * can make a small catalog take each way, or none.
 */
export const browsePlans = {
  /** How many times the expected distance the walk may go: room for a sort order that correlates with the filters. */
  slack: 8,
  /** How many filter-index rows one walked row is worth (a walked row is a table lookup; an index row is read in order). */
  rowCost: 10,
  /** Categories in a subtree up to which a browse reads each category's own index range (beyond: the ways below). */
  mergeCategories: 32,
};

/** The sorts whose index gives their full order (ties by doc id) a few rows at a time; `rating` sorts whole groups of equal ratings. */
const WALKABLE: ReadonlySet<ProductSort> = new Set(["relevance", "newest", "bestselling", "price_asc", "price_desc"]);

/**
 * The doc ids of one page of a browse without words (every filter answered by the facet-count
 * table, so `total` and `catalogSize` are exact), as a subquery for displayRows:
 *
 *  - a category (up to `mergeCategories` categories in its subtree): category by category, each
 *    from its own index in the sort's order, merged (perCategorySql);
 *  - no narrowing filter, or one keeping over 30 % of the catalog: walk the sort order's own index,
 *    skipping documents the filters drop;
 *  - a narrower filter (whole price buckets, a whole-star minimum, a subtree too wide to merge), a sort whose
 *    index walks cheaply and a page that lies near the top: walk the sort index at most `slack`
 *    times the expected distance (`wanted × catalog / total` rows) and keep the first `wanted`
 *    matches, which are then exactly the first of the order; if the walk ends short (the sort
 *    correlates with the filter: cheap products in the price index), the same statement reads the
 *    narrowest filter's index instead;
 *  - otherwise: the narrowest filter's index and a sort of its matches.
 */
export function browsePageSql(o: {
  active: ActiveFilter[];
  sort: ProductSort;
  total: number;
  catalogSize: number;
  perPage: number;
  offset: number;
  /** The paths of the selected category and every category under it (none: no category filter). */
  categoryPaths?: readonly string[];
}): Sql {
  const { active, sort, total, catalogSize, perPage, offset } = o;
  const order = SQL_ORDER[sort];
  if (o.categoryPaths?.length && o.categoryPaths.length <= mergeableCategories(active)) {
    return perCategorySql({ ...o, categoryPaths: o.categoryPaths });
  }
  const narrowing = (["category", "price", "rating"] as const).find((dim) => active.some((f) => f.dim === dim));
  const page = (index: string, limit: Sql) => {
    const sql = new Sql().add(`SELECT d.doc_id FROM search_documents d INDEXED BY ${index}`);
    if (active.length) sql.add(" WHERE ").conditions(active);
    return sql.add(` ORDER BY ${order} LIMIT `).add(limit.text, limit.params).add(" OFFSET ?", [offset]);
  };
  if (!narrowing || total > catalogSize * 0.3) return page(SORT_INDEX[sort], new Sql().add("?", [perPage]));
  const wanted = offset + perPage;
  const bound = Math.ceil((browsePlans.slack * wanted * catalogSize) / Math.max(1, total));
  const worthIt = WALKABLE.has(sort) && SORT_INDEX[sort] !== FILTER_INDEX[narrowing] && bound * browsePlans.rowCost <= total;
  if (!worthIt) return page(FILTER_INDEX[narrowing], new Sql().add("?", [perPage]));
  // The first `bound` documents in sort order (the index gives them in order; CROSS JOIN keeps it),
  // the first `wanted` of them that pass the filters. Only one of the two branches below reads
  // anything: the other's LIMIT is 0.
  const walked = new Sql().add(
    `WITH walked AS MATERIALIZED (SELECT d.doc_id, d.price, d.featured, d.sold, d.created_at, d.rating, d.rating_count FROM (SELECT doc_id FROM search_documents INDEXED BY ${SORT_INDEX[sort]} ORDER BY ${order.replaceAll("d.", "")} LIMIT ?) h CROSS JOIN search_documents d ON d.doc_id = h.doc_id WHERE `,
    [bound],
  );
  walked.conditions(active).add(" LIMIT ?)", [wanted]);
  walked.add(
    `SELECT doc_id FROM (SELECT d.doc_id FROM walked d ORDER BY ${order} LIMIT CASE WHEN (SELECT count(*) FROM walked) >= ? THEN ? ELSE 0 END OFFSET ?)`,
    [wanted, perPage, offset],
  );
  const fallback = page(FILTER_INDEX[narrowing], new Sql().add("CASE WHEN (SELECT count(*) FROM walked) < ? THEN ? ELSE 0 END", [wanted, perPage]));
  return walked.add(" UNION ALL SELECT doc_id FROM (").add(fallback.text, fallback.params).add(")");
}

/**
 * How many categories one statement may read category by category: `mergeCategories`, and no more
 * than D1's parameters allow, as each category's read binds its path and the other filters' values.
 */
function mergeableCategories(active: ActiveFilter[]): number {
  const perCategory = 1 + active.filter((f) => f.dim !== "category").reduce((n, f) => n + f.params.length, 0);
  return Math.min(browsePlans.mergeCategories, Math.floor((D1_MAX_PARAMS - 2) / perCategory));
}

/** For each sort, the index that gives a category's own products in that order (after its path), and the columns the merge sorts by. */
const PER_CATEGORY: Record<ProductSort, { index: string; columns: string[] }> = {
  relevance: { index: "search_documents_category_featured_idx", columns: ["featured", "sold"] },
  newest: { index: "search_documents_category_created_idx", columns: ["created_at"] },
  bestselling: { index: "search_documents_category_sold_idx", columns: ["sold"] },
  price_asc: { index: "search_documents_category_idx", columns: ["price"] },
  price_desc: { index: "search_documents_category_idx", columns: ["price"] },
  rating: { index: "search_documents_category_rating_idx", columns: ["rating", "rating_count"] },
};

/**
 * A category subtree in any sort order: an index on (path, the sort's columns) gives each category's
 * own products in that order (migrations 0002 and 0040). Each category of the subtree gives its
 * first `wanted` products passing the other filters, and the page is the first of those, merged. A
 * department of a 1M catalog reads a few hundred index rows instead of sorting its ~180,000
 * (BENCHMARKS.md). The paths come from the dictionaries the same request read one statement before.
 */
function perCategorySql(o: { active: ActiveFilter[]; sort: ProductSort; perPage: number; offset: number; categoryPaths: readonly string[] }): Sql {
  const plan = PER_CATEGORY[o.sort];
  const wanted = o.offset + o.perPage;
  const others = o.active.filter((f) => f.dim !== "category");
  const order = SQL_ORDER[o.sort];
  const terms = o.categoryPaths.map((path) => {
    const term = new Sql().add(
      `SELECT * FROM (SELECT d.doc_id, ${plan.columns.map((c) => `d.${c}`).join(", ")} FROM search_documents d INDEXED BY ${plan.index} WHERE d.category_path = ?`,
      [path],
    );
    if (others.length) term.add(" AND ").conditions(others);
    // The limit is written as a number (an integer made here), not bound: parameters are counted.
    return term.add(` ORDER BY ${order} LIMIT ${Math.trunc(wanted)})`);
  });
  const merged = unionAll(terms);
  return new Sql().add("SELECT doc_id FROM (").add(merged.text, merged.params).add(`) d ORDER BY ${order} LIMIT ? OFFSET ?`, [o.perPage, o.offset]);
}
