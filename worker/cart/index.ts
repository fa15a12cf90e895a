// Cart's public surface: carts through the CartSession Durable Object, for the API, pages and later domains.
export { resolveCartId } from "./http";
export * from "./schema";
export {
  addToCart,
  applyPromotionCode,
  cartItemCount,
  clearCart,
  GUEST_CART_COOKIE,
  isGuestCartId,
  mergeGuestCart,
  promotionsOfCart,
  removePromotionCode,
  removeFromCart,
  resolveCartIdentity,
  setCartQuantity,
  userCartId,
  viewCart,
  viewCartWithPromotions,
} from "./service";
