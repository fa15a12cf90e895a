import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";
import { serializeCookie, readCookie } from "../lib/cookies";
import { AppError } from "../lib/errors";
import { type RequestContext, requestContextOf } from "./service/auth";
import { type IssuedSession, resolveAccessToken } from "./service/sessions";
import { toUser, type UserRow } from "./service/users";
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from "./tokens";

/** The caller's IP, user agent and origin, for rate limits and emailed links. */
export function requestContext(c: Context<AppEnv>): RequestContext {
  return requestContextOf(c.req.raw.headers, c.req.url);
}

/** Native clients opt into tokens in the body with `X-Auth-Mode: token`; browsers get HttpOnly cookies. */
function wantsTokens(c: Context<AppEnv>): boolean {
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

export const ACCESS_COOKIE = "__Host-at";
export const REFRESH_COOKIE = "__Host-rt";
export const OAUTH_COOKIE = "__Host-oauth";

export function sessionCookies(session: { accessToken: string; refreshToken: string }): string[] {
  return [
    serializeCookie(ACCESS_COOKIE, session.accessToken, ACCESS_TOKEN_TTL_SECONDS),
    serializeCookie(REFRESH_COOKIE, session.refreshToken, REFRESH_TOKEN_TTL_SECONDS),
  ];
}

export function clearedSessionCookies(): string[] {
  return [serializeCookie(ACCESS_COOKIE, "", 0), serializeCookie(REFRESH_COOKIE, "", 0)];
}

/** Ends the session's cookies on this answer (sign-out, a refused refresh). */
export function clearSessionCookies(c: Context<AppEnv>): void {
  for (const cookie of clearedSessionCookies()) c.header("Set-Cookie", cookie, { append: true });
}

/** The refresh token the caller presents: in the body (native clients), else the browser's cookie. */
export function presentedRefreshToken(c: Context<AppEnv>, fromBody: string | undefined): string | undefined {
  return fromBody ?? readCookie(c.req.header("cookie"), REFRESH_COOKIE);
}

/** Problem codes → the reasons the sign-in page explains (`/account/login?oauth=`). */
const OAUTH_PAGE_REASONS: Record<string, string> = {
  "auth.oauth_state_mismatch": "state",
  "auth.oauth_denied": "denied",
  "auth.oauth_email_unverified": "unverified",
  "auth.oauth_needs_second_factor": "second-factor",
  "auth.oauth_staff_password": "staff",
};

/**
 * Where a refused OAuth sign-in sends a person's browser: the sign-in page with a readable reason, the OAuth
 * state cookie cleared on this answer. Null for API clients and for server errors: they get the problem.
 */
export function oauthFailurePage(c: Context<AppEnv>, err: unknown): string | null {
  if (!(err instanceof AppError) || err.status >= 500 || !(c.req.header("accept") ?? "").includes("text/html")) return null;
  c.header("Set-Cookie", serializeCookie(OAUTH_COOKIE, "", 0));
  return `/account/login?oauth=${OAUTH_PAGE_REASONS[err.code] ?? "failed"}`;
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Cookie-carrying writes must come from this site: a foreign Origin (or a
 * cross-site fetch per Sec-Fetch-Site) is refused with 403. Together with
 * JSON-only bodies this is the CSRF guard.
 */
function assertSameOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  const own = new URL(c.req.url).origin;
  if ((origin && origin !== own) || (!origin && site === "cross-site")) {
    throw new AppError("auth.csrf_origin", 403, "This request did not come from the store's own pages.");
  }
}

/**
 * Resolves who is calling: `Authorization: Bearer` (native apps, other
 * clients) or the session cookie (browsers). A bad Bearer token is a 401; a
 * stale cookie just means anonymous.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("auth", null);
    const header = c.req.header("authorization");
    const cookies = c.req.header("cookie");
    if (cookies && WRITES.has(c.req.method) && !c.req.path.startsWith("/api/webhooks/")) assertSameOrigin(c);
    if (header) {
      const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header);
      const resolved = match?.[1] ? await resolveAccessToken(c.env, match[1]) : null;
      // Signing out with an expired token is not an error: the route ends the session by its refresh token.
      if (!resolved && c.req.path === "/api/auth/logout") {
        await next();
        return;
      }
      if (!resolved)
        throw new AppError("auth.invalid_token", 401, "The access token is not valid. Sign in again.", [], {
          "WWW-Authenticate": 'Bearer error="invalid_token"',
        });
      c.set("auth", { principal: resolved.principal, sessionId: resolved.sessionId, via: "bearer" });
    } else {
      const token = readCookie(cookies, ACCESS_COOKIE);
      const resolved = token ? await resolveAccessToken(c.env, token) : null;
      if (resolved) c.set("auth", { principal: resolved.principal, sessionId: resolved.sessionId, via: "cookie" });
    }
    await next();
  };
}
