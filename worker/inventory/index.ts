// The inventory domain's public surface: stock per SKU through its InventoryLedger, and the product
// writes that touch stock (opening stock on create, removing variants, deleting products).

export * from "./schema";
export { adjustStockAudited, listMovements, listSkus, setLowStockThreshold } from "./service/admin-stock";
export { bulkUpdateProducts, saveProductWithStock } from "./service/products";
export {
  adjustStock,
  registerStockListener,
  type StockChange,
  type StockListener,
  type StockReturn,
  stockOf,
  stockReturnsSince,
} from "./service/stock";
export { adjustVendorStock, saveVendorProduct, vendorStockOf } from "./service/vendor";
