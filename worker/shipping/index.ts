// The shipping domain's public surface: zones, rates, quotes and the pure pricing they use.
export {
  addBusinessDays,
  includedTax,
  type Money,
  type OrderMoney,
  orderMoney,
  type PricedOrder,
  percentOf,
  priceOrder,
  type Quote,
  type QuoteDiscount,
  type QuotedOption,
  quoteFor,
  type RateRow,
  rateFor,
  type ShippingData,
  type ShippingMethod,
  shippingPrice,
  type ZoneRow,
} from "./pricing";
export type { ShippingRate } from "./schema";
export {
  groupLinesBySeller,
  type ParcelGroup,
  quoteBySeller,
  quoteBySellerParcels,
  type SellerShipping,
  type SplitLine,
  shareDiscount,
} from "./seller-parcels";
export {
  cartWeightGrams,
  freeShippingThreshold,
  purgeShippingCache,
  quoteCart,
  quoteLines,
  servedCountries,
  servedCountry,
  shippingCountries,
  shippingData,
} from "./service/quotes";
export { createRate, createZone, deleteRate, deleteZone, shippingSettings, updateRate, updateZone } from "./service/settings";
