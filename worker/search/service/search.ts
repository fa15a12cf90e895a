import { CATALOG_TTL_MS, onCatalogChange } from "../../catalog";
import { MemoCache } from "../../lib/memo-cache";
import type { ListProductsQuery, ProductPage, ProductSummary, SuggestQuery, SuggestResponse } from "../schema";
import { searchProducts } from "./listing";
import { searchWords } from "./query-text";
import { forgetVocabulary } from "./spelling";
import { forgetSuggestDictionaries, suggestFor } from "./suggest";

/** Suggestions are asked for on every keystroke: each answer is kept this long in the isolate. */
export const SUGGEST_TTL_MS = 30_000;

const listings = new MemoCache();
const suggestions = new MemoCache(5_000);
// Listings, suggestions and the spelling corrector's words are copies of catalog data: a catalog write (here
// or in another isolate) drops them.
onCatalogChange(() => {
  listings.purge();
  suggestions.purge();
  forgetSuggestDictionaries();
  forgetVocabulary();
});

/**
 * One page of active products for a listing or search: full-text relevance (bm25 over name,
 * brand, category, description), every filter of `query`, the requested order, facet counts
 * for each filter computed with the other filters applied, and — when the words match nothing —
 * the results of the closest spelling with `didYouMean` set. Prices are the lowest variant price
 * in the store's base currency; unknown category or brand slugs simply match nothing. Answers are
 * kept in the isolate until the catalog changes.
 */
export function listProducts(env: Env, query: ListProductsQuery): Promise<ProductPage> {
  const key = `products:${JSON.stringify(query)}`;
  return listings.get(key, CATALOG_TTL_MS, () => searchProducts(env.DB, query, env.BASE_CURRENCY));
}

/** Featured active products for the home page, best sellers first. */
export function listFeaturedProducts(env: Env, limit = 8): Promise<ProductSummary[]> {
  return listings.get(`featured:${limit}`, CATALOG_TTL_MS, async () => {
    const page = await listProducts(env, { sort: "relevance", page: 1, perPage: limit } as ListProductsQuery);
    return page.items;
  });
}

/** Autocomplete: matching products, categories and brands for what has been typed so far. */
export function suggest(env: Env, query: SuggestQuery): Promise<SuggestResponse> {
  const key = `${searchWords(query.q).join(" ")}|${query.limit}`;
  return suggestions.get(key, SUGGEST_TTL_MS, () => suggestFor(env.DB, query.q, query.limit)).then((answer) => ({ ...answer, query: query.q }));
}
