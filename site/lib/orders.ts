import { env } from "cloudflare:workers";
import { AppError } from "../../worker/lib/errors";
import { accessOrder, type OrderAccess, type OrderRow, orderAccessCookieToken } from "../../worker/orders";
import type { PageSession } from "./account";
import { readLastOrder } from "./cart";

export { orderAccessCookie } from "../../worker/orders";

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

/** The guest token this browser holds for `orderId`: from an opened order link, else from its last checkout. */
export function rememberedOrderToken(request: Request, orderId: string): string | null {
  const token = orderAccessCookieToken(request.headers.get("cookie"), orderId);
  if (token) return token;
  const last = readLastOrder(request);
  return last && last.orderId === orderId ? last.token : null;
}
