import { env } from "cloudflare:workers";
import { hashOpaqueToken } from "../../worker/accounts/tokens";
import { AppError } from "../../worker/lib/errors";
import { getOrderByAccessToken, getOrderForUser, type OrderRow } from "../../worker/orders/service";
import type { PageSession } from "./account";
import { readLastOrder } from "./cart";

/**
 * The order a page may show: the signed-in owner's, or a guest's through the
 * emailed token (`?token=`) or the browser's last-order cookie. Anything else
 * is null (the page answers 404, never "exists but not yours").
 */
export async function orderForPage(request: Request, session: PageSession, orderId: string, token: string | null): Promise<OrderRow | null> {
  try {
    if (token) return await getOrderByAccessToken(env, orderId, await hashOpaqueToken(token));
    if (session) {
      const owned = await getOrderForUser(env, session.user.id, orderId).catch((error) => {
        if (error instanceof AppError && error.status === 404) return null;
        throw error;
      });
      if (owned) return owned;
    }
    const last = readLastOrder(request);
    if (last && last.orderId === orderId) return await getOrderByAccessToken(env, orderId, await hashOpaqueToken(last.token));
    return null;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return null;
    throw error;
  }
}

export const STATUS_TEXT: Record<string, string> = {
  pending_payment: "Waiting for payment",
  paid: "Paid",
  fulfilling: "Being packed",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};
