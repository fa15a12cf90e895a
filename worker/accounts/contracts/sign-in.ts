import { createRoute, z } from "@hono/zod-openapi";
import { problemResponse } from "../../lib/openapi";
import {
  ConfirmRegistrationBody,
  LoginBody,
  LogoutBody,
  OAuthCallbackQuery,
  OAuthProviderParam,
  OAuthStartQuery,
  PasskeyRequestOptions,
  PasskeySignInBody,
  PasskeySignInOptionsBody,
  PasswordResetBody,
  PasswordResetConfirmBody,
  RefreshBody,
  RegisterBody,
  RegistrationStartedSchema,
  SecondFactorLoginBody,
  SecondFactorSessionSchema,
  VerifyEmailBody,
} from "../schema";
import { json, ok, session, TAGS } from "./shared";

// The OpenAPI contracts of signing up and in: registration, password and OAuth sign-in, the second-factor and
// passkey steps of a sign-in, tokens, sign-out, password reset and email verification. Handlers: ../routes.ts.

const accepted = { description: "Accepted.", content: { "application/json": { schema: z.object({ status: z.string() }) } } };

export const registerRoute = createRoute({
  method: "post",
  path: "/auth/register",
  tags: TAGS,
  summary: "Start a customer sign-up: the same 202 whether or not the email has an account; the email says what next",
  description:
    'A new email gets a one-time link (24 hours) to `/account/finish-sign-up`, which creates the account and signs in (`POST /api/auth/register/confirm`); a known email gets an "already registered: sign in or reset your password" email. No session starts here.',
  request: { body: json(RegisterBody) },
  responses: {
    202: ok(RegistrationStartedSchema, "Check your email to finish."),
    400: problemResponse("Invalid or weak."),
    429: problemResponse("Too many from this address."),
  },
});

export const confirmRegistrationRoute = createRoute({
  method: "post",
  path: "/auth/register/confirm",
  tags: TAGS,
  summary: "Finish a sign-up with the emailed token: creates the account (email verified) and signs in",
  request: { body: json(ConfirmRegistrationBody) },
  responses: {
    201: session("Account created and signed in."),
    400: problemResponse("Invalid, used or expired token."),
    409: problemResponse("The email got an account meanwhile: sign in or reset the password."),
  },
});

export const loginRoute = createRoute({
  method: "post",
  path: "/auth/login",
  tags: TAGS,
  summary: "Sign in with email and password",
  request: { body: json(LoginBody) },
  responses: {
    200: session("Signed in."),
    400: problemResponse("Invalid body."),
    401: problemResponse(
      "Wrong email or password; or `auth.second_factor_required` with a `challenge`, the account's `methods` (`totp`, `passkey`) and, for staff enrolling, `enroll: {secret, uri}`; complete it at /auth/login/second-factor (a code) or /auth/login/passkey.",
    ),
    429: problemResponse("Locked out for a while."),
  },
});

export const loginSecondFactorRoute = createRoute({
  method: "post",
  path: "/auth/login/second-factor",
  tags: TAGS,
  summary: "Complete a sign-in with the challenge from the password step and an authenticator or recovery code",
  request: { body: json(SecondFactorLoginBody) },
  responses: {
    200: ok(SecondFactorSessionSchema, "Signed in; `recoveryCodes` once when this step enrolled the authenticator."),
    400: problemResponse("Invalid body."),
    401: problemResponse("Wrong code, or the challenge expired (sign in again)."),
    429: problemResponse("Too many wrong codes."),
  },
});

export const refreshRoute = createRoute({
  method: "post",
  path: "/auth/refresh",
  tags: TAGS,
  summary: "Trade a refresh token (cookie or body) for a new pair",
  request: { body: { content: { "application/json": { schema: RefreshBody } } } },
  responses: { 200: session("Renewed."), 401: problemResponse("Refresh token invalid, expired or reused (reuse ends every session).") },
});

export const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: TAGS,
  summary: "Sign out (this session, or every session with everywhere: true); works with an expired access token",
  request: { body: { content: { "application/json": { schema: LogoutBody } } } },
  responses: { 204: { description: "Signed out; the access token no longer works." } },
});

export const passwordResetRoute = createRoute({
  method: "post",
  path: "/auth/password-reset",
  tags: TAGS,
  summary: "Email a one-time reset link (same answer whether or not the email exists)",
  request: { body: json(PasswordResetBody) },
  responses: { 202: accepted, 400: problemResponse("Invalid email."), 429: problemResponse("Too many.") },
});

export const passwordResetConfirmRoute = createRoute({
  method: "post",
  path: "/auth/password-reset/confirm",
  tags: TAGS,
  summary: "Set a new password with the emailed token; every session ends",
  request: { body: json(PasswordResetConfirmBody) },
  responses: { 204: { description: "Password changed." }, 400: problemResponse("Invalid/expired token or weak password.") },
});

export const verifyEmailRoute = createRoute({
  method: "post",
  path: "/auth/verify-email",
  tags: TAGS,
  summary: "Confirm the email address with the emailed token",
  request: { body: json(VerifyEmailBody) },
  responses: { 204: { description: "Verified." }, 400: problemResponse("Invalid or expired token.") },
});

export const oauthStartRoute = createRoute({
  method: "get",
  path: "/auth/oauth/{provider}",
  tags: TAGS,
  summary: "Start signing in with GitHub or Google (authorization code + PKCE)",
  request: { params: OAuthProviderParam, query: OAuthStartQuery },
  responses: { 302: { description: "To the provider's consent page." }, 404: problemResponse("Provider not configured.") },
});

export const oauthCallbackRoute = createRoute({
  method: "get",
  path: "/auth/oauth/{provider}/callback",
  tags: TAGS,
  summary: "The provider sends the shopper back here; signs in and redirects",
  request: { params: OAuthProviderParam, query: OAuthCallbackQuery },
  responses: { 302: { description: "Signed in; to the page the shopper came from." }, 400: problemResponse("Wrong state, denied, or no verified email.") },
});

export const passkeySignInOptionsRoute = createRoute({
  method: "post",
  path: "/auth/login/passkey/options",
  tags: TAGS,
  summary: "Passkey options to complete a sign-in waiting for its second factor (the password step's challenge)",
  request: { body: json(PasskeySignInOptionsBody) },
  responses: {
    200: ok(PasskeyRequestOptions, "For `navigator.credentials.get()`; the challenge works once, for 5 minutes, for this sign-in only."),
    400: problemResponse("Invalid body."),
    401: problemResponse("The sign-in challenge expired or was used (sign in again)."),
    409: problemResponse("The account has no passkey."),
  },
});

export const passkeySignInRoute = createRoute({
  method: "post",
  path: "/auth/login/passkey",
  tags: TAGS,
  summary: "Complete a sign-in with the password step's challenge and a passkey assertion",
  request: { body: json(PasskeySignInBody) },
  responses: {
    200: session("Signed in, with a fresh second factor on record."),
    400: problemResponse("Invalid body."),
    401: problemResponse("The passkey answer is not valid (origin, signature, counter) or a challenge expired or was used."),
    429: problemResponse("Too many failed attempts."),
  },
});
