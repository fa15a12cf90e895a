import { waitUntil } from "cloudflare:workers";
import type { ListProductsQuery, ProductPage, ProductSort, ProductSummary, SearchFacets } from "../schema";
import { countCandidates } from "./candidate-pass";
import { buildFacets, type Dictionaries, FacetCounts } from "./facets";
import { type ActiveFilter, activeFilters, type Dim, filtersOf, inSubtree, type SearchFilters } from "./filters";
import { browsePageSql } from "./browse-page";
import { candidatesSql, cellReadsOf, DICTIONARY_READS, precomputable, SQL_ORDER, scoresOf, TOTAL_DIMS, textSql } from "./listing-query";
import { compareCandidates, firstInOrder, type SortColumns, snapshotColumns } from "./ordering";
import { searchWords } from "./query-text";
import { applySync, dropSnapshot, loadSnapshotLater, snapshotForSearch } from "./snapshot";
import { correctSpelling } from "./spelling";
import { Sql } from "./sql";
import { displayRows } from "./summaries";
import { countText, documentTests } from "./text-search";

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
 *
 * The statements are built in listing-query.ts (a browse's page read in browse-page.ts), facets
 * counted in facets.ts, the D1-alone candidate pass read in candidate-pass.ts, matches ordered in
 * ordering.ts, and the shown page's products read and summarised in summaries.ts.
 */

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
  // Whether the words alone match anything (before the filters): only words that match nothing are corrected.
  let wordsMatch = false;
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
    // Which index leads the page's read (the sort order's, the narrowest filter's, or the first
    // then the second) is chosen from the counts above: see browsePageSql.
    const catalogSize = Number(row.catalog_size ?? total);
    const selected = filters.category ? dictionaries.categories.find((c) => c.slug === filters.category) : undefined;
    const within = selected ? inSubtree(selected.path) : undefined;
    const categoryPaths = within ? dictionaries.categories.map((c) => c.path).filter(within) : undefined;
    const inner = browsePageSql({ active, sort, total, catalogSize, perPage, offset, categoryPaths });
    items = total > offset ? await displayRows(d1, inner, SQL_ORDER[sort]) : [];
  } else if (snapshot) {
    let ids = parse<number>("match_ids");
    wordsMatch = ids.length > 0;
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
    const pass = countCandidates(row, counts, { np, excludedPrecomputed, sort, ranked, offset, perPage });
    total = pass.total;
    if (pass.probe) {
      wordsMatch = pass.probe.read > 0;
      scale = sampleScale(pass.probe.read, pass.probe.lowest, top, cap);
    }
    items = pass.shown.length ? await displayRows(d1, pass.shown) : [];
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
  if (wordsMatch) wordsMatched.add(answer);
  if (hasText && !snapshot) loadSnapshotLater(d1, inBackground);
  return answer;
}

/** Hands a background load to this request's waitUntil (outside a request, e.g. a script: not at all). */
function inBackground(work: Promise<unknown>): void {
  try {
    waitUntil(work);
  } catch {
    // No request to extend: the work still runs as far as the runtime lets it.
  }
}
