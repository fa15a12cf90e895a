// Wishlist's public surface: the shopper's list (guest cookie or account), share links, and the
// back-in-stock / price-drop alerts (loading this module registers them on inventory and catalog).
export { alertBackInStock, alertPriceDrops, sweepBackInStock, unsubscribeFromAlerts, unsubscribeToken, verifyUnsubscribeToken } from "./alerts";
export * from "./schema";
export {
  addToWishlist,
  clearWishlist,
  GUEST_WISHLIST_COOKIE,
  isGuestWishlistId,
  mergeGuestWishlist,
  moveToCart,
  removeFromWishlist,
  resolveWishlistIdentity,
  setWishlistSharing,
  userWishlistId,
  viewSharedWishlist,
  viewWishlist,
  WISHLIST_MAX_ITEMS,
  wishedSkus,
} from "./service/items";
export {
  createWishlist,
  deleteWishlist,
  listWishlists,
  moveWishlistItem,
  ownedListId,
  ownedWishlistId,
  renameWishlist,
  updateWishlist,
  WISHLIST_MAX_LISTS,
  type WishlistCaller,
} from "./service/lists";
