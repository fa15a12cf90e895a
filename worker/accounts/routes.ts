import { createRoute, z } from "@hono/zod-openapi";
import { readCookie } from "../lib/cookies";
import { clearedSessionCookies, REFRESH_COOKIE } from "./http";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { requestContext, sessionBody } from "./http";
import { LoginBody, LogoutBody, PasswordResetBody, PasswordResetConfirmBody, RefreshBody, RegisterBody, SessionSchema, VerifyEmailBody } from "./schema";
import { confirmPasswordReset, login, register, requestPasswordReset, verifyEmail } from "./service/auth";
import { endSession, rotateSession } from "./service/sessions";
import { revokeAllSessions } from "./service/users";

const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const session = (description: string) => ({ description, content: { "application/json": { schema: SessionSchema } } });
const accepted = { description: "Accepted.", content: { "application/json": { schema: z.object({ status: z.string() }) } } };
const TAGS = ["Accounts"];

export const authRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/register",
      tags: TAGS,
      summary: "Create a customer account and sign in",
      request: { body: json(RegisterBody) },
      responses: {
        201: session("Registered and signed in."),
        400: problemResponse("Invalid or weak."),
        409: problemResponse("Email taken."),
        429: problemResponse("Too many."),
      },
    }),
    async (c) => {
      const { user, session } = await register(c.env, c.req.valid("json"), requestContext(c));
      return c.json(await sessionBody(c, user, session), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/login",
      tags: TAGS,
      summary: "Sign in with email and password",
      request: { body: json(LoginBody) },
      responses: {
        200: session("Signed in."),
        400: problemResponse("Invalid body."),
        401: problemResponse("Wrong email or password."),
        429: problemResponse("Locked out for a while."),
      },
    }),
    async (c) => {
      const { user, session } = await login(c.env, c.req.valid("json"), requestContext(c));
      return c.json(await sessionBody(c, user, session), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/refresh",
      tags: TAGS,
      summary: "Trade a refresh token (cookie or body) for a new pair",
      request: { body: { content: { "application/json": { schema: RefreshBody } } } },
      responses: { 200: session("Renewed."), 401: problemResponse("Refresh token invalid, expired or reused (reuse ends every session).") },
    }),
    async (c) => {
      const presented = c.req.valid("json").refreshToken ?? readCookie(c.req.header("cookie"), REFRESH_COOKIE);
      if (!presented) throw new AppError("auth.invalid_refresh_token", 401, "Your session has ended. Sign in again.");
      try {
        const { user, ...session } = await rotateSession(c.env, presented, requestContext(c).userAgent);
        return c.json(await sessionBody(c, user, session), 200);
      } catch (err) {
        for (const cookie of clearedSessionCookies()) c.header("Set-Cookie", cookie, { append: true });
        throw err;
      }
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/logout",
      tags: TAGS,
      summary: "Sign out (this session, or every session with everywhere: true)",
      request: { body: { content: { "application/json": { schema: LogoutBody } } } },
      responses: { 204: { description: "Signed out; the access token no longer works." } },
    }),
    async (c) => {
      const auth = c.get("auth");
      if (auth) {
        if (c.req.valid("json").everywhere) await revokeAllSessions(c.env, auth.principal.id);
        else await endSession(c.env, auth.sessionId);
      }
      for (const cookie of clearedSessionCookies()) c.header("Set-Cookie", cookie, { append: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/password-reset",
      tags: TAGS,
      summary: "Email a one-time reset link (same answer whether or not the email exists)",
      request: { body: json(PasswordResetBody) },
      responses: { 202: accepted, 400: problemResponse("Invalid email."), 429: problemResponse("Too many.") },
    }),
    async (c) => {
      await requestPasswordReset(c.env, c.req.valid("json").email, requestContext(c));
      return c.json({ status: "If an account exists for this email, a reset link is on its way." }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/password-reset/confirm",
      tags: TAGS,
      summary: "Set a new password with the emailed token; every session ends",
      request: { body: json(PasswordResetConfirmBody) },
      responses: { 204: { description: "Password changed." }, 400: problemResponse("Invalid/expired token or weak password.") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await confirmPasswordReset(c.env, body.token, body.password);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/verify-email",
      tags: TAGS,
      summary: "Confirm the email address with the emailed token",
      request: { body: json(VerifyEmailBody) },
      responses: { 204: { description: "Verified." }, 400: problemResponse("Invalid or expired token.") },
    }),
    async (c) => {
      await verifyEmail(c.env, c.req.valid("json").token);
      return c.body(null, 204);
    },
  );
