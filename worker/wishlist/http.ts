import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { resolveWishlistIdentity } from "./service/items";
import type { WishlistCaller } from "./service/lists";

/** The caller's wishlist id for an API request (see `resolveWishlistIdentity`); cookies are set on the answer. */
export async function resolveWishlistId(c: Context<AppEnv>, create: boolean): Promise<string | null> {
  const { wishlistId, setCookies } = await resolveWishlistIdentity(c.env, c.req.header("cookie"), c.get("auth")?.principal.id ?? null, create);
  for (const cookie of setCookies) c.header("Set-Cookie", cookie, { append: true });
  return wishlistId;
}

/** The caller of a named-list route: their default list and their account (null for a guest). */
export async function wishlistCaller(c: Context<AppEnv>, create: boolean): Promise<WishlistCaller> {
  return { defaultId: await resolveWishlistId(c, create), userId: c.get("auth")?.principal.id ?? null };
}
