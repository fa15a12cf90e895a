import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { resolveCartIdentity } from "./service";

/** The caller's cart id for an API request (see `resolveCartIdentity`); cookies are set on the answer. */
export async function resolveCartId(c: Context<AppEnv>, create: boolean): Promise<string | null> {
  const { cartId, setCookies } = await resolveCartIdentity(c.env, c.req.header("cookie"), c.get("auth")?.principal.id ?? null, create);
  for (const cookie of setCookies) c.header("Set-Cookie", cookie, { append: true });
  return cartId;
}
