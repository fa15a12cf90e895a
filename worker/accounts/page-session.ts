import type { Principal } from "../lib/context";
import { readCookie } from "../lib/cookies";
import { ACCESS_COOKIE, clearedSessionCookies, REFRESH_COOKIE, sessionCookies } from "./http";
import { resolveAccessToken, rotateSession } from "./service/sessions";

/**
 * The signed-in shopper of a page request, from the session cookie, or null.
 * Pages call this in their frontmatter; the front door has already renewed
 * an expired access cookie from the refresh cookie (see `renewPageSession`).
 */
export async function getPageSession(request: Request, env: Env): Promise<{ principal: Principal; sessionId: string } | null> {
  const token = readCookie(request.headers.get("cookie"), ACCESS_COOKIE);
  return token ? resolveAccessToken(env, token) : null;
}

/**
 * For a page request whose access cookie is missing or stale but whose
 * refresh cookie is good: rotates the session and returns the request with
 * the new access cookie plus the Set-Cookie headers for the answer. With a
 * dead refresh cookie, returns headers that clear both cookies.
 */
export async function renewPageSession(request: Request, env: Env): Promise<{ request: Request; setCookies: string[] } | null> {
  const cookieHeader = request.headers.get("cookie");
  const refresh = readCookie(cookieHeader, REFRESH_COOKIE);
  if (!refresh) return null;
  const access = readCookie(cookieHeader, ACCESS_COOKIE);
  if (access && (await resolveAccessToken(env, access))) return null;
  try {
    const session = await rotateSession(env, refresh, request.headers.get("user-agent"));
    const rest = (cookieHeader ?? "")
      .split(";")
      .map((p) => p.trim())
      .filter((p) => p && !p.startsWith(`${ACCESS_COOKIE}=`) && !p.startsWith(`${REFRESH_COOKIE}=`));
    const headers = new Headers(request.headers);
    headers.set("cookie", [...rest, `${ACCESS_COOKIE}=${session.accessToken}`, `${REFRESH_COOKIE}=${session.refreshToken}`].join("; "));
    return { request: new Request(request, { headers }), setCookies: sessionCookies(session) };
  } catch {
    return { request, setCookies: clearedSessionCookies() };
  }
}
