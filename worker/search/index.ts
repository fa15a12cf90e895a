// The search domain's public surface: listings, text search with facets, and autocomplete over the catalog.
export { listFeaturedProducts, listProducts, suggest } from "./service/search";
// The product card's columns and mapping, for other domains that list products (recommendations).
export { PRODUCT_SUMMARY_COLUMNS, PRODUCT_SUMMARY_JOINS, type ProductSummaryRow, toProductSummary } from "./service/summaries";
export type { FacetValue, ListProductsQuery, ProductPage, ProductSort, ProductSummary, SearchFacets, SellerRef, SuggestResponse } from "./schema";
