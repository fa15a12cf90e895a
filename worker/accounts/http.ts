import type { Context } from "hono";
import { sessionCookies } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import type { RequestContext } from "./service/auth";
import type { IssuedSession } from "./service/sessions";
import { toUser, type UserRow } from "./service/users";

/** Client IP (set by Cloudflare's edge; the local runtime sets it too), user agent and the origin for emailed links. */
export function requestContext(c: Context<AppEnv>): RequestContext {
  return {
    ip: c.req.header("cf-connecting-ip") ?? "unknown",
    userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
    origin: new URL(c.req.url).origin,
  };
}

/** Native clients opt into tokens in the body with `X-Auth-Mode: token`; browsers get HttpOnly cookies. */
export function wantsTokens(c: Context<AppEnv>): boolean {
  return c.req.header("x-auth-mode") === "token";
}

/** The body (and cookies) of every answer that starts or renews a session. */
export async function sessionBody(c: Context<AppEnv>, user: UserRow, session: IssuedSession) {
  const tokens = wantsTokens(c);
  if (!tokens) for (const cookie of sessionCookies(session)) c.header("Set-Cookie", cookie, { append: true });
  c.header("Cache-Control", "no-store");
  return {
    user: await toUser(c.env, user),
    accessToken: session.accessToken,
    expiresIn: session.expiresIn,
    ...(tokens ? { refreshToken: session.refreshToken } : {}),
  };
}
