import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { resolveWishlistIdentity } from "./service";

/** The caller's wishlist id for an API request (see `resolveWishlistIdentity`); cookies are set on the answer. */
export async function resolveWishlistId(c: Context<AppEnv>, create: boolean): Promise<string | null> {
  const { wishlistId, setCookies } = await resolveWishlistIdentity(c.env, c.req.header("cookie"), c.get("auth")?.principal.id ?? null, create);
  for (const cookie of setCookies) c.header("Set-Cookie", cookie, { append: true });
  return wishlistId;
}
