import { env } from "cloudflare:workers";
import { getDefaultShippingAddress } from "../../worker/accounts";
import { type CartView, cartItemCount, resolveCartIdentity, viewCart } from "../../worker/cart";
import { readCookie, serializeCookie } from "../../worker/lib/cookies";
import type { PageSession } from "./account";

/** Pages with a cart are personal: never cached. */
export const CART_CACHE_CONTROL = "private, no-store";

/** The page's cart id, exactly as the API resolves it; `cookies` must go on the answer. */
export async function pageCartId(request: Request, session: PageSession, create: boolean): Promise<{ cartId: string | null; cookies: string[] }> {
  const { cartId, setCookies } = await resolveCartIdentity(env, request.headers.get("cookie"), session?.principal.id ?? null, create);
  return { cartId, cookies: setCookies };
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

/**
 * What the header needs: the number of items in the visitor's cart and, for a
 * signed-in shopper with a default address, the one-click checkout of the
 * mini-cart. No cookie, no work. Read-only: merging a guest cart happens on
 * the cart pages and the cart API, which can set cookies.
 */
export async function headerCart(
  request: Request,
  session: PageSession,
  knownCount?: number,
): Promise<{ cartCount: number; quickCheckout: { addressId: string; summary: string } | null }> {
  const [cartCount, address] = await Promise.all([
    knownCount ?? cartItemCount(env, request.headers.get("cookie"), session?.principal.id ?? null),
    session ? getDefaultShippingAddress(env, session.principal.id) : null,
  ]);
  return {
    cartCount,
    quickCheckout: address ? { addressId: address.id, summary: `Ships to ${address.fullName}, ${address.city} by standard shipping.` } : null,
  };
}
