import { CATALOG_CACHE_CONTROL } from "../../worker/catalog/routes";
import { type ListProductsQuery, ProductSort } from "../../worker/catalog/schema";

export { CATALOG_CACHE_CONTROL };

/** Products per listing page (category and search). */
export const PER_PAGE = 24;

/** The sort choices shown to shoppers, in menu order. */
export const SORT_OPTIONS: ReadonlyArray<{ value: ProductSort; label: string }> = [
  { value: "relevance", label: "Featured" },
  { value: "bestselling", label: "Best selling" },
  { value: "newest", label: "Newest" },
  { value: "price_asc", label: "Price: low to high" },
  { value: "price_desc", label: "Price: high to low" },
  { value: "rating", label: "Top rated" },
];

export interface ListingParams {
  sort: ProductSort;
  page: number;
}

/**
 * Sort and page from a listing URL. Pages are shared links and bookmarks, so
 * bad values fall back to the defaults instead of failing the page.
 */
export function readListingParams(url: URL): ListingParams {
  const parsedSort = ProductSort.safeParse(url.searchParams.get("sort") ?? undefined);
  const rawPage = url.searchParams.get("page");
  const page = rawPage && /^\d{1,5}$/.test(rawPage) ? Math.min(Math.max(Number(rawPage), 1), 10_000) : 1;
  return { sort: parsedSort.success ? parsedSort.data : "relevance", page };
}

/** A `listProducts` query from the few fields the pages use. */
export function listingQuery(fields: { q?: string; category?: string; sort: ProductSort; page: number; perPage?: number }): ListProductsQuery {
  return { perPage: PER_PAGE, ...fields } as ListProductsQuery;
}

/** `url` with `changes` applied (null removes a parameter), as a path plus query string. */
export function withParams(url: URL, changes: Record<string, string | number | null>): string {
  const next = new URL(url);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) next.searchParams.delete(k);
    else next.searchParams.set(k, String(v));
  }
  const qs = next.searchParams.toString();
  return qs ? `${next.pathname}?${qs}` : next.pathname;
}
