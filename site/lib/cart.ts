import { env } from "cloudflare:workers";
import type { CartView } from "../../worker/cart/schema";
import { GUEST_CART_COOKIE, isGuestCartId, mergeGuestCart, newGuestCartId, userCartId, viewCart } from "../../worker/cart/service";
import { readCookie, serializeCookie } from "../../worker/lib/auth";
import type { PageSession } from "./account";

const GUEST_CART_MAX_AGE = 30 * 24 * 3600;

/** Pages with a cart are personal: never cached. */
export const CART_CACHE_CONTROL = "private, no-store";

/**
 * The page's cart id, like the API's: the account's cart when signed in
 * (folding in a guest cart left in this browser first), else the guest
 * cookie's; `create` makes a guest cart. `cookies` must go on the answer.
 */
export async function pageCartId(request: Request, session: PageSession, create: boolean): Promise<{ cartId: string | null; cookies: string[] }> {
  const guestId = readCookie(request.headers.get("cookie"), GUEST_CART_COOKIE);
  if (session) {
    if (isGuestCartId(guestId)) {
      await mergeGuestCart(env, guestId, session.user.id);
      return { cartId: userCartId(session.user.id), cookies: [serializeCookie(GUEST_CART_COOKIE, "", 0)] };
    }
    return { cartId: userCartId(session.user.id), cookies: [] };
  }
  if (isGuestCartId(guestId)) return { cartId: guestId, cookies: [] };
  if (!create) return { cartId: null, cookies: [] };
  const id = newGuestCartId();
  return { cartId: id, cookies: [serializeCookie(GUEST_CART_COOKIE, id, GUEST_CART_MAX_AGE)] };
}

export function emptyCart(): CartView {
  return { id: "", items: [], itemCount: 0, subtotal: { amount: 0, currency: env.BASE_CURRENCY }, hasIssues: false };
}

export async function pageCart(cartId: string | null): Promise<CartView> {
  return cartId ? viewCart(env, cartId) : emptyCart();
}

/** A guest's latest order, remembered for the confirmation page (guests have no session to prove it is theirs). */
export const LAST_ORDER_COOKIE = "__Host-last-order";
export function lastOrderCookie(orderId: string, token: string): string {
  return serializeCookie(LAST_ORDER_COOKIE, `${orderId}.${token}`, 24 * 3600);
}
export function readLastOrder(request: Request): { orderId: string; token: string } | null {
  const raw = readCookie(request.headers.get("cookie"), LAST_ORDER_COOKIE);
  const [orderId, token] = raw?.split(".") ?? [];
  return orderId && token ? { orderId, token } : null;
}

const ISSUE_TEXT = { price_changed: "Price changed", unavailable: "No longer available", quantity_reduced: "Fewer left than you chose" } as const;
export function issueText(issue: keyof typeof ISSUE_TEXT): string {
  return ISSUE_TEXT[issue];
}
