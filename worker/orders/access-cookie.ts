import { readCookie, serializeCookie } from "../lib/cookies";

/**
 * A guest's order link opens the order page with `?token=`; from there on the browser carries the token in
 * this short-lived cookie, so the page's own links (returns, reviews, "Get help"), forms and images name no
 * token: it never lands in another URL, a Referer, history or a request log. Renewed at each visit by the link.
 */
export const ORDER_ACCESS_COOKIE = "__Host-order-access";
const ORDER_ACCESS_SECONDS = 4 * 3600;

export function orderAccessCookie(orderId: string, token: string): string {
  return serializeCookie(ORDER_ACCESS_COOKIE, `${orderId}.${token}`, ORDER_ACCESS_SECONDS);
}

/** The guest token the order-access cookie of `cookieHeader` holds for `orderId`, if any. */
export function orderAccessCookieToken(cookieHeader: string | null | undefined, orderId: string): string | null {
  const [id, token] = readCookie(cookieHeader, ORDER_ACCESS_COOKIE)?.split(".") ?? [];
  return id === orderId && token ? token : null;
}
