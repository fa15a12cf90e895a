import { env } from "cloudflare:workers";
import { AppError } from "../../worker/lib/errors";
import { accessOrder, type OrderAccess, type OrderRow } from "../../worker/orders";
import type { PageSession } from "./account";
import { readLastOrder } from "./cart";
import { readCookie, serializeCookie } from "../../worker/lib/cookies";

export { STATUS_TEXT } from "../components/orders/display";

/**
 * The order a page may show, by the same rule as the order API: the emailed
 * token (`?token=`), the signed-in owner, or the browser's last-order cookie
 * (guests have no session to prove the confirmation page is theirs). Anything
 * else is null (the page answers 404, never "exists but not yours").
 */
export async function orderAccessForPage(request: Request, session: PageSession, orderId: string, token: string | null): Promise<OrderAccess | null> {
  try {
    return await accessOrder(env, orderId, {
      principal: session?.principal ?? null,
      token,
      rememberedToken: rememberedOrderToken(request, orderId),
    });
  } catch (error) {
    // An expired link (410) is a missing order to every page but the order page, which offers a new link.
    if (error instanceof AppError && (error.status === 404 || error.status === 401 || error.status === 410)) return null;
    throw error;
  }
}

/** Whether `token` is the order's real link and it has expired (so the page can offer a new one, not a 404). */
export async function orderLinkExpired(orderId: string, token: string | null): Promise<boolean> {
  if (!token) return false;
  try {
    await accessOrder(env, orderId, { principal: null, token });
    return false;
  } catch (error) {
    return error instanceof AppError && error.status === 410;
  }
}

/** The order row only (pages that just show it). */
export async function orderForPage(request: Request, session: PageSession, orderId: string, token: string | null): Promise<OrderRow | null> {
  return (await orderAccessForPage(request, session, orderId, token))?.order ?? null;
}

/**
 * A guest's order link opens the order page with `?token=`; from there on the browser carries the token in
 * this short-lived cookie, so the page's own links (returns, reviews, "Get help") and forms name no token:
 * it never lands in another URL, a Referer, history or a request log. Renewed at each visit by the link.
 */
export const ORDER_ACCESS_COOKIE = "__Host-order-access";
const ORDER_ACCESS_SECONDS = 4 * 3600;

export function orderAccessCookie(orderId: string, token: string): string {
  return serializeCookie(ORDER_ACCESS_COOKIE, `${orderId}.${token}`, ORDER_ACCESS_SECONDS);
}

/** The guest token this browser holds for `orderId`: from an opened order link, else from its last checkout. */
export function rememberedOrderToken(request: Request, orderId: string): string | null {
  const [id, token] = readCookie(request.headers.get("cookie"), ORDER_ACCESS_COOKIE)?.split(".") ?? [];
  if (id === orderId && token) return token;
  const last = readLastOrder(request);
  return last && last.orderId === orderId ? last.token : null;
}
