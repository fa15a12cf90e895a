// The inventory domain's public surface: stock per SKU through its InventoryLedger, and the product
// writes that touch stock (opening stock on create, removing variants, deleting products).
export {
  adjustStock,
  adjustStockAudited,
  adjustVendorStock,
  bulkUpdateProducts,
  listMovements,
  listSkus,
  registerStockListener,
  saveProductWithStock,
  saveVendorProduct,
  setLowStockThreshold,
  type StockChange,
  type StockListener,
  type StockReturn,
  stockOf,
  stockReturnsSince,
  vendorStockOf,
} from "./service";
export * from "./schema";
