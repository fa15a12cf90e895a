// The catalog domain's public surface: what later domains and the pages may call. Products,
// variants, categories and brands, the storefront reads, the staff reads and writes, and the
// cache hooks that keep every copy of catalog data fresh.
export { CATALOG_CACHE_CONTROL, CATALOG_TTL_MS, catalogChanged, onCatalogChange, purgeCatalogCache } from "./cache";
export * from "./schema";
export { createCategory, deleteCategory, listAdminCategories, moveCategory, reorderCategories, updateCategory } from "./service/admin-categories";
export { CSV_COLUMNS, CSV_MAX_BYTES, exportProductsCsv, importProductsCsv } from "./service/admin-csv";
export {
  deleteProducts,
  type PriceChange,
  type PriceListener,
  registerPriceListener,
  saveProduct,
  setProductsStatus,
  variantThresholdStatement,
} from "./service/admin-product-write";
export { findAdminProduct, getAdminProduct, listAdminProducts, listBrands, listProductNames } from "./service/admin-products";
export { ratingSummaryStatement } from "./service/rating-summary";
export { lookupSkus, SKU_FACTS_MAX_AGE_MS, type SkuFacts } from "./service/sku-lookup";
export { findCategory, getProductBySlug, LOW_STOCK_AT, listCategoryTree } from "./service/storefront";
export { sellerListed, sellerListedSql } from "./service/seller-listed";
export { addVendorProductImage, getVendorProduct, listVendorProducts, PRODUCT_IMAGES_MAX, productInputForVendor } from "./service/vendor-products";
