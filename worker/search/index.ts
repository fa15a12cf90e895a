// The search domain's public surface: listings, text search with facets, and autocomplete over the catalog.
export { listFeaturedProducts, listProducts, suggest } from "./service/search";
export type { FacetValue, ListProductsQuery, ProductPage, ProductSort, ProductSummary, SearchFacets, SellerRef, SuggestResponse } from "./schema";
