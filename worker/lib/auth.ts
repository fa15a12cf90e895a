import type { Context, MiddlewareHandler } from "hono";
import { resolveAccessToken } from "../accounts/service/sessions";
import type { UserRow } from "../accounts/service/users";
import type { Role } from "../accounts/tables";
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from "../accounts/tokens";
import type { AppEnv } from "./context";
import { AppError } from "./errors";

export const ACCESS_COOKIE = "__Host-at";
export const REFRESH_COOKIE = "__Host-rt";
export const OAUTH_COOKIE = "__Host-oauth";

export interface AuthState {
  user: UserRow;
  sessionId: string;
  via: "cookie" | "bearer";
}

/** A `__Host-` cookie: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain. */
export function serializeCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

export function sessionCookies(session: { accessToken: string; refreshToken: string }): string[] {
  return [
    serializeCookie(ACCESS_COOKIE, session.accessToken, ACCESS_TOKEN_TTL_SECONDS),
    serializeCookie(REFRESH_COOKIE, session.refreshToken, REFRESH_TOKEN_TTL_SECONDS),
  ];
}

export function clearedSessionCookies(): string[] {
  return [serializeCookie(ACCESS_COOKIE, "", 0), serializeCookie(REFRESH_COOKIE, "", 0)];
}

export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
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
      if (!resolved)
        throw new AppError("auth.invalid_token", 401, "The access token is not valid. Sign in again.", [], {
          "WWW-Authenticate": 'Bearer error="invalid_token"',
        });
      c.set("auth", { ...resolved, via: "bearer" });
    } else {
      const token = readCookie(cookies, ACCESS_COOKIE);
      const resolved = token ? await resolveAccessToken(c.env, token) : null;
      if (resolved) c.set("auth", { ...resolved, via: "cookie" });
    }
    await next();
  };
}

/** The signed-in caller, or 401. */
export function requireAuth(c: Context<AppEnv>): AuthState {
  const auth = c.get("auth");
  if (!auth) throw new AppError("auth.unauthenticated", 401, "Sign in to continue.", [], { "WWW-Authenticate": "Bearer" });
  return auth;
}

/** The signed-in caller if their role is one of `roles`: 401 when anonymous, 403 otherwise. */
export function requireRole(c: Context<AppEnv>, ...roles: Role[]): AuthState {
  const auth = requireAuth(c);
  if (!roles.includes(auth.user.role)) throw new AppError("auth.forbidden", 403, "Your account is not allowed to do this.");
  return auth;
}
