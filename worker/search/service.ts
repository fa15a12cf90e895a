import type { ListProductsQuery, ProductPage } from "../catalog/schema";
import type { Db } from "../db/client";
import { MemoCache } from "../lib/memo-cache";
import type { SuggestQuery, SuggestResponse } from "./schema";
import { searchProducts } from "./service/listing";
import { searchWords } from "./service/query-text";
import { suggestFor } from "./service/suggest";

/** Suggestions are asked for on every keystroke: each answer is kept this long in the isolate. */
export const SUGGEST_TTL_MS = 30_000;

const cache = new MemoCache(5_000);

/** Forgets cached suggestions (called with the catalog cache purge after catalog writes). */
export function purgeSearchCache(): void {
  cache.purge();
}

/**
 * One page of active products for a listing or search: full-text relevance (bm25 over name,
 * brand, category, description), every filter of `query`, the requested order, facet counts
 * for each filter computed with the other filters applied, and — when the words match nothing —
 * the results of the closest spelling with `didYouMean` set. Not cached here: the catalog's
 * `listProducts` memoises it.
 */
export function searchCatalog(db: Db, query: ListProductsQuery): Promise<ProductPage> {
  return searchProducts(db.$client, query);
}

/** Autocomplete: matching products, categories and brands for what has been typed so far. */
export function suggest(db: Db, query: SuggestQuery): Promise<SuggestResponse> {
  const key = `${searchWords(query.q).join(" ")}|${query.limit}`;
  return cache.get(key, SUGGEST_TTL_MS, () => suggestFor(db.$client, query.q, query.limit)).then((answer) => ({ ...answer, query: query.q }));
}
