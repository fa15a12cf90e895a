import { createRoute } from "@hono/zod-openapi";
import { readCookie, serializeCookie } from "../lib/cookies";
import { OAUTH_COOKIE, sessionCookies } from "./http";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { requestContext } from "./http";
import { OAuthCallbackQuery, OAuthProviderParam, OAuthStartQuery } from "./schema";
import { completeOAuth, startOAuth } from "./service/oauth";

const TAGS = ["Accounts"];
/** Problem codes → the reasons the sign-in page explains (`/account/login?oauth=`). */
const OAUTH_PAGE_REASONS: Record<string, string> = {
  "auth.oauth_state_mismatch": "state",
  "auth.oauth_denied": "denied",
  "auth.oauth_email_unverified": "unverified",
};

export const oauthRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/oauth/{provider}",
      tags: TAGS,
      summary: "Start signing in with GitHub or Google (authorization code + PKCE)",
      request: { params: OAuthProviderParam, query: OAuthStartQuery },
      responses: { 302: { description: "To the provider's consent page." }, 404: problemResponse("Provider not configured.") },
    }),
    async (c) => {
      const { redirectUrl, stateCookie } = await startOAuth(c.env, c.req.valid("param").provider, new URL(c.req.url).origin, c.req.valid("query").returnTo);
      c.header("Set-Cookie", serializeCookie(OAUTH_COOKIE, stateCookie, 600));
      c.header("Cache-Control", "no-store");
      return c.redirect(redirectUrl, 302);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/oauth/{provider}/callback",
      tags: TAGS,
      summary: "The provider sends the shopper back here; signs in and redirects",
      request: { params: OAuthProviderParam, query: OAuthCallbackQuery },
      responses: { 302: { description: "Signed in; to the page the shopper came from." }, 400: problemResponse("Wrong state, denied, or no verified email.") },
    }),
    async (c) => {
      const ctx = requestContext(c);
      let completed: Awaited<ReturnType<typeof completeOAuth>>;
      try {
        completed = await completeOAuth(
          c.env,
          c.req.valid("param").provider,
          c.req.valid("query"),
          readCookie(c.req.header("cookie"), OAUTH_COOKIE),
          ctx.origin,
          ctx.userAgent,
        );
      } catch (err) {
        // A person's browser lands on the sign-in page with a readable message; API clients get the problem.
        if (err instanceof AppError && err.status < 500 && (c.req.header("accept") ?? "").includes("text/html")) {
          c.header("Set-Cookie", serializeCookie(OAUTH_COOKIE, "", 0));
          return c.redirect(`/account/login?oauth=${OAUTH_PAGE_REASONS[err.code] ?? "failed"}`, 303);
        }
        throw err;
      }
      const { session, returnTo } = completed;
      c.header("Set-Cookie", serializeCookie(OAUTH_COOKIE, "", 0), { append: true });
      for (const cookie of sessionCookies(session)) c.header("Set-Cookie", cookie, { append: true });
      c.header("Cache-Control", "no-store");
      return c.redirect(returnTo, 302);
    },
  );
