import { env } from "cloudflare:workers";
import { hashOpaqueToken } from "../../worker/accounts/tokens";
import { AppError } from "../../worker/lib/errors";
import { getOrderByAccessToken, getOrderForUser, type OrderRow } from "../../worker/orders/service";
import type { PageSession } from "./account";
import { readLastOrder } from "./cart";

export { STATUS_TEXT } from "../components/orders/display";

/** An order a page may show, with how the visitor reached it. */
export interface PageOrder {
  order: OrderRow;
  /** Timeline actor for changes the visitor makes (cancel). */
  actor: string;
  /** The guest token that opened it (for the live island's API calls); null for the signed-in owner. */
  token: string | null;
}

/**
 * The order a page may show: the signed-in owner's, or a guest's through the
 * emailed token (`?token=`) or the browser's last-order cookie. Anything else
 * is null (the page answers 404, never "exists but not yours").
 */
export async function orderAccessForPage(request: Request, session: PageSession, orderId: string, token: string | null): Promise<PageOrder | null> {
  const notFound = (error: unknown) => {
    if (error instanceof AppError && error.status === 404) return null;
    throw error;
  };
  if (token) {
    const order = await getOrderByAccessToken(env, orderId, await hashOpaqueToken(token)).catch(notFound);
    return order ? { order, actor: session && order.userId === session.principal.id ? `customer:${session.principal.id}` : "guest", token } : null;
  }
  if (session) {
    const owned = await getOrderForUser(env, session.principal.id, orderId).catch(notFound);
    if (owned) return { order: owned, actor: `customer:${session.principal.id}`, token: null };
  }
  const last = readLastOrder(request);
  if (last && last.orderId === orderId) {
    const order = await getOrderByAccessToken(env, orderId, await hashOpaqueToken(last.token)).catch(notFound);
    return order ? { order, actor: "guest", token: last.token } : null;
  }
  return null;
}

/** The order row only (pages that just show it). */
export async function orderForPage(request: Request, session: PageSession, orderId: string, token: string | null): Promise<OrderRow | null> {
  return (await orderAccessForPage(request, session, orderId, token))?.order ?? null;
}
