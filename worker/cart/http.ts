import type { Context } from "hono";
import { readCookie, serializeCookie } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { GUEST_CART_COOKIE, isGuestCartId, mergeGuestCart, newGuestCartId, userCartId } from "./service";

const GUEST_CART_MAX_AGE = 30 * 24 * 3600;

/**
 * The caller's cart id. Signed in: the account's cart, after folding in a
 * guest cart left in this browser (then its cookie is cleared). Guest: the
 * cart cookie's id; `create` makes one (and sets the cookie) when missing.
 */
export async function resolveCartId(c: Context<AppEnv>, create: boolean): Promise<string | null> {
  const guestId = readCookie(c.req.header("cookie"), GUEST_CART_COOKIE);
  const auth = c.get("auth");
  if (auth) {
    if (isGuestCartId(guestId)) {
      await mergeGuestCart(c.env, guestId, auth.user.id);
      c.header("Set-Cookie", serializeCookie(GUEST_CART_COOKIE, "", 0), { append: true });
    }
    return userCartId(auth.user.id);
  }
  if (isGuestCartId(guestId)) return guestId;
  if (!create) return null;
  const id = newGuestCartId();
  c.header("Set-Cookie", serializeCookie(GUEST_CART_COOKIE, id, GUEST_CART_MAX_AGE), { append: true });
  return id;
}
