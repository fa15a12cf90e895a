// The recommendations domain's public surface: precomputed "bought together" and "similar items" rows,
// served with the rules applied (no self, nothing out of stock, nothing already bought).
export { type ProductRecommendations, RecommendationList } from "./schema";
export {
  pickForShopper,
  type Recommendations,
  type RefreshResult,
  recentlyViewedProducts,
  recommendForProduct,
  recommendForOrder,
  recommendForProducts,
  refreshRecommendations,
  SECTION_SIZE,
} from "./service";
