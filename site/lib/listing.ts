import { CATALOG_CACHE_CONTROL } from "../../worker/catalog";
import { type ListProductsQuery, MAX_ATTRIBUTE_FILTERS, ProductSort } from "../../worker/search/schema";

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

// ---------------------------------------------------------------------------------------------
// The search page: its whole state lives in the URL.

/** Everything the search page shows is a function of this, read from (and written to) its URL. */
export interface SearchState {
  q: string;
  category?: string;
  brand: string[];
  vendor: string[];
  minPrice?: number;
  maxPrice?: number;
  rating?: number;
  inStock: boolean;
  attributes: Record<string, string[]>;
  sort: ProductSort;
  page: number;
}

const SLUG = /^[a-z0-9-]{1,120}$/;
const VENDOR = /^[A-Za-z0-9_-]{1,64}$/;
const ATTRIBUTE = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Every value of a parameter, whether repeated (`brand=a&brand=b`, as forms send) or comma
 * separated. A comma followed by a space belongs to the value ("Gas, electric and induction").
 */
function values(url: URL, name: string): string[] {
  return [
    ...new Set(
      url.searchParams
        .getAll(name)
        .flatMap((v) => v.split(/,(?! )/))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
}

function wholeNumber(raw: string | null, max: number): number | undefined {
  return raw && /^\d{1,9}$/.test(raw) && Number(raw) <= max ? Number(raw) : undefined;
}

/**
 * The search page's state from its URL. Shared links and old bookmarks must always open, so
 * anything malformed is dropped rather than answered with an error. `price=2500-4999` (what the
 * price facet's radio buttons send) and `minPrice`/`maxPrice` are both understood.
 */
export function readSearchState(url: URL): SearchState {
  const { sort, page } = readListingParams(url);
  const params = url.searchParams;
  const state: SearchState = {
    q: (params.get("q") ?? "").trim().replace(/\s+/g, " ").slice(0, 200),
    brand: values(url, "brand")
      .filter((v) => SLUG.test(v))
      .slice(0, 20),
    vendor: values(url, "vendor")
      .filter((v) => VENDOR.test(v))
      .slice(0, 20),
    inStock: params.get("inStock") === "true" || params.get("inStock") === "1",
    attributes: {},
    sort,
    page,
  };
  const category = params.get("category");
  if (category && SLUG.test(category)) state.category = category;
  const bucket = /^(\d{1,9})-(\d{0,9})$/.exec(params.get("price") ?? "");
  state.minPrice = wholeNumber(bucket ? (bucket[1] ?? null) : params.get("minPrice"), 100_000_000) || undefined;
  state.maxPrice = wholeNumber(bucket ? bucket[2] || null : params.get("maxPrice"), 100_000_000);
  if (state.minPrice !== undefined && state.maxPrice !== undefined && state.minPrice > state.maxPrice) state.maxPrice = undefined;
  const rating = Number(params.get("rating"));
  if (params.get("rating") && Number.isFinite(rating) && rating > 0 && rating <= 5) state.rating = rating;
  for (const key of new Set(params.keys())) {
    const name = key.slice(5);
    if (!key.startsWith("attr.") || !ATTRIBUTE.test(name) || Object.keys(state.attributes).length >= MAX_ATTRIBUTE_FILTERS) continue;
    const chosen = values(url, key)
      .filter((v) => v.length <= 100)
      .slice(0, 20);
    if (chosen.length) state.attributes[name] = chosen;
  }
  return state;
}

/** The `listProducts` query of a search state (one page of PER_PAGE). */
export function searchQuery(state: SearchState): ListProductsQuery {
  const query: Record<string, unknown> = { sort: state.sort, page: state.page, perPage: PER_PAGE };
  if (state.q) query.q = state.q;
  if (state.category) query.category = state.category;
  if (state.brand.length) query.brand = state.brand;
  if (state.vendor.length) query.vendor = state.vendor;
  if (state.minPrice !== undefined) query.minPrice = state.minPrice;
  if (state.maxPrice !== undefined) query.maxPrice = state.maxPrice;
  if (state.rating !== undefined) query.rating = state.rating;
  if (state.inStock) query.inStock = true;
  for (const [name, chosen] of Object.entries(state.attributes)) query[`attr.${name}`] = chosen.join(",");
  return query as ListProductsQuery;
}

/** How many filters (not the words, sort or page) a state applies. */
export function activeFilterCount(state: SearchState): number {
  return (
    (state.category ? 1 : 0) +
    state.brand.length +
    state.vendor.length +
    (state.minPrice !== undefined || state.maxPrice !== undefined ? 1 : 0) +
    (state.rating !== undefined ? 1 : 0) +
    (state.inStock ? 1 : 0) +
    Object.values(state.attributes).reduce((n, v) => n + v.length, 0)
  );
}

/**
 * The /search URL of `state`, in the same shape the filter form submits (repeated parameters
 * for multiple values), so links and form posts agree and the back button returns to either.
 */
export function searchHref(state: SearchState): string {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.category) params.set("category", state.category);
  for (const b of state.brand) params.append("brand", b);
  for (const v of state.vendor) params.append("vendor", v);
  if (state.minPrice !== undefined || state.maxPrice !== undefined) params.set("price", `${state.minPrice ?? 0}-${state.maxPrice ?? ""}`);
  if (state.rating !== undefined) params.set("rating", String(state.rating));
  if (state.inStock) params.set("inStock", "true");
  for (const [name, chosen] of Object.entries(state.attributes)) for (const v of chosen) params.append(`attr.${name}`, v);
  if (state.sort !== "relevance") params.set("sort", state.sort);
  if (state.page > 1) params.set("page", String(state.page));
  const qs = params.toString();
  return qs ? `/search?${qs}` : "/search";
}

/** "water_resistance" → "Water resistance" */
export function attributeLabel(name: string): string {
  const words = name.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
