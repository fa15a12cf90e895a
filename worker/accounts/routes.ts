import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../lib/auth";
import { readCookie, serializeCookie } from "../lib/cookies";
import { AppError } from "../lib/errors";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import { clearedSessionCookies, OAUTH_COOKIE, REFRESH_COOKIE, requestContext, sessionBody, sessionCookies } from "./http";
import {
  AccountSessionList,
  AddPasskeyBody,
  AddressIdParam,
  AddressSchema,
  ChangePasswordBody,
  ConfirmRegistrationBody,
  CreateAddressBody,
  LoginBody,
  LogoutBody,
  OAuthCallbackQuery,
  OAuthProviderParam,
  OAuthStartQuery,
  PasskeyCreatedSchema,
  PasskeyCreationOptions,
  PasskeyList,
  PasskeyRequestOptions,
  PasskeySchema,
  PasskeySignInBody,
  PasskeySignInOptionsBody,
  PasskeyVerifyBody,
  PasswordResetBody,
  PasswordResetConfirmBody,
  ReauthenticatedSchema,
  RecoveryCodesSchema,
  RefreshBody,
  RegisterBody,
  RegistrationStartedSchema,
  RenamePasskeyBody,
  SecondFactorCodeBody,
  SecondFactorLoginBody,
  SecondFactorSessionSchema,
  SecondFactorStatusSchema,
  SessionIdParam,
  SessionSchema,
  TotpEnrollmentSchema,
  UpdateAddressBody,
  UpdateProfileBody,
  UserSchema,
  VerifyEmailBody,
} from "./schema";
import { createAddress, deleteAddress, getAddress, listAddresses, updateAddress } from "./service/addresses";
import {
  changePassword,
  completeSignIn,
  completeSignInWithPasskey,
  confirmPasswordReset,
  login,
  requestPasswordReset,
  resendVerification,
  verifyEmail,
} from "./service/auth";
import { completeOAuth, startOAuth } from "./service/oauth";
import {
  listPasskeys,
  passkeyReauthOptions,
  passkeyRegistrationOptions,
  passkeySignInOptions,
  reauthenticateWithPasskey,
  registerPasskey,
  removePasskey,
  renamePasskey,
} from "./service/passkeys";
import { confirmRegistration, REGISTRATION_STARTED, register } from "./service/registration";
import { confirmTotpEnrollment, reauthenticate, regenerateRecoveryCodes, removeTotp, secondFactorStatus, startTotpEnrollment } from "./service/second-factor";
import { endOtherSessions, endOwnSession, listSessions, rotateSession, signOut, signOutByRefreshToken } from "./service/sessions";
import { accountOf, toUser, updateProfile } from "./service/users";

const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const ok = <T extends z.ZodTypeAny>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const session = (description: string) => ({ description, content: { "application/json": { schema: SessionSchema } } });
const accepted = { description: "Accepted.", content: { "application/json": { schema: z.object({ status: z.string() }) } } };
const unauthenticated = problemResponse("Not signed in.");
const TAGS = ["Accounts"];
const PROFILE = ["Profile"];
const security = SIGNED_IN;
/** Problem codes → the reasons the sign-in page explains (`/account/login?oauth=`). */
const OAUTH_PAGE_REASONS: Record<string, string> = {
  "auth.oauth_state_mismatch": "state",
  "auth.oauth_denied": "denied",
  "auth.oauth_email_unverified": "unverified",
  "auth.oauth_needs_second_factor": "second-factor",
  "auth.oauth_staff_password": "staff",
};

/** Signing up and in (password and OAuth), sessions, and the signed-in user's own profile and address book. */
export const accountRoutes = createApiApp()
  .openapi(
    createRoute({
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
    }),
    async (c) => {
      await register(c.env, c.req.valid("json"), requestContext(c));
      c.header("Cache-Control", "no-store");
      return c.json({ status: REGISTRATION_STARTED }, 202);
    },
  )
  .openapi(
    createRoute({
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
    }),
    async (c) => {
      const { user, session } = await confirmRegistration(c.env, c.req.valid("json").token, requestContext(c));
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
        401: problemResponse(
          "Wrong email or password; or `auth.second_factor_required` with a `challenge`, the account's `methods` (`totp`, `passkey`) and, for staff enrolling, `enroll: {secret, uri}`; complete it at /auth/login/second-factor (a code) or /auth/login/passkey.",
        ),
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
    }),
    async (c) => {
      const { user, session, recoveryCodes } = await completeSignIn(c.env, c.req.valid("json"), requestContext(c));
      return c.json({ ...(await sessionBody(c, user, session)), ...(recoveryCodes ? { recoveryCodes } : {}) }, 200);
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
      summary: "Sign out (this session, or every session with everywhere: true); works with an expired access token",
      request: { body: { content: { "application/json": { schema: LogoutBody } } } },
      responses: { 204: { description: "Signed out; the access token no longer works." } },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const auth = c.get("auth");
      // An expired access token must not leave the session running: the refresh token names it.
      const refresh = auth ? undefined : (body.refreshToken ?? readCookie(c.req.header("cookie"), REFRESH_COOKIE));
      if (refresh) await signOutByRefreshToken(c.env, refresh, body.everywhere);
      else await signOut(c.env, auth, body.everywhere);
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
      await confirmPasswordReset(c.env, body.token, body.password, requestContext(c));
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
  )
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
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me",
      tags: PROFILE,
      security,
      summary: "The signed-in user's profile",
      responses: { 200: ok(UserSchema, "Profile."), 401: unauthenticated },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json(await toUser(c.env, await accountOf(c.env, requireAuth(c).principal)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me",
      tags: PROFILE,
      security,
      summary: "Change name, phone or birthday (email and role are not editable here)",
      request: { body: json(UpdateProfileBody) },
      responses: { 200: ok(UserSchema, "Updated."), 400: problemResponse("Invalid or unknown field."), 401: unauthenticated },
    }),
    async (c) => c.json(await updateProfile(c.env, requireAuth(c).principal.id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/password",
      tags: PROFILE,
      security,
      summary: "Change password; every other session ends",
      request: { body: json(ChangePasswordBody) },
      responses: {
        200: ok(SessionSchema, "Changed; a fresh session for this client."),
        400: problemResponse("Wrong current or weak new password."),
        401: unauthenticated,
      },
    }),
    async (c) => {
      const user = await accountOf(c.env, requireAuth(c).principal);
      const body = c.req.valid("json");
      const session = await changePassword(c.env, user, body.currentPassword, body.newPassword, requestContext(c));
      return c.json(await sessionBody(c, user, session), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/verify-email",
      tags: PROFILE,
      security,
      summary: "Send a new email verification link",
      responses: { 202: { description: "Sent (unless already verified)." }, 401: unauthenticated, 429: problemResponse("Too many.") },
    }),
    async (c) => {
      await resendVerification(c.env, await accountOf(c.env, requireAuth(c).principal), requestContext(c));
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/addresses",
      tags: PROFILE,
      security,
      summary: "The address book",
      responses: { 200: ok(z.object({ items: z.array(AddressSchema) }), "Addresses, default first."), 401: unauthenticated },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json({ items: await listAddresses(c.env, requireAuth(c).principal.id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/addresses",
      tags: PROFILE,
      security,
      summary: "Add an address (validated for its country)",
      request: { body: json(CreateAddressBody) },
      responses: {
        201: ok(AddressSchema, "Added."),
        400: problemResponse("Invalid for the country."),
        401: unauthenticated,
        409: problemResponse("Address book full."),
      },
    }),
    async (c) => c.json(await createAddress(c.env, requireAuth(c).principal.id, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/addresses/{id}",
      tags: PROFILE,
      security,
      summary: "One address",
      request: { params: AddressIdParam },
      responses: { 200: ok(AddressSchema, "The address."), 401: unauthenticated, 404: problemResponse("Not found (or not yours).") },
    }),
    async (c) => c.json(await getAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me/addresses/{id}",
      tags: PROFILE,
      security,
      summary: "Change an address",
      request: { params: AddressIdParam, body: json(UpdateAddressBody) },
      responses: {
        200: ok(AddressSchema, "Updated."),
        400: problemResponse("Invalid."),
        401: unauthenticated,
        404: problemResponse("Not found (or not yours)."),
      },
    }),
    async (c) => c.json(await updateAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/addresses/{id}",
      tags: PROFILE,
      security,
      summary: "Delete an address",
      request: { params: AddressIdParam },
      responses: { 204: { description: "Deleted." }, 401: unauthenticated, 404: problemResponse("Not found (or not yours).") },
    }),
    async (c) => {
      await deleteAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/mfa",
      tags: PROFILE,
      security,
      summary: "The account's second factors",
      responses: { 200: ok(SecondFactorStatusSchema, "Authenticator, recovery codes left, and whether the store requires one."), 401: unauthenticated },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json(await secondFactorStatus(c.env, await accountOf(c.env, requireAuth(c).principal)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/totp",
      tags: PROFILE,
      security,
      summary: "Start adding an authenticator app: a new key waiting for its first code",
      responses: { 201: ok(TotpEnrollmentSchema, "The key (shown once)."), 401: unauthenticated, 409: problemResponse("One is set up already.") },
    }),
    async (c) => {
      c.header("Cache-Control", "no-store");
      return c.json(await startTotpEnrollment(c.env, await accountOf(c.env, requireAuth(c).principal)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/totp/confirm",
      tags: PROFILE,
      security,
      summary: "Confirm the new authenticator with its first code; answers the first recovery codes",
      request: { body: json(SecondFactorCodeBody) },
      responses: {
        200: ok(RecoveryCodesSchema, "Confirmed; single-use recovery codes (shown once)."),
        400: problemResponse("Invalid body."),
        401: problemResponse("Not signed in, or the code is wrong."),
        409: problemResponse("No authenticator waiting for confirmation."),
        429: problemResponse("Too many wrong codes."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      c.header("Cache-Control", "no-store");
      const codes = await confirmTotpEnrollment(c.env, await accountOf(c.env, auth.principal), auth.sessionId, c.req.valid("json").code);
      return c.json({ recoveryCodes: codes }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/mfa/totp",
      tags: PROFILE,
      security,
      summary: "Remove the authenticator and recovery codes (needs a fresh second factor; not while the store requires one)",
      responses: {
        204: { description: "Removed." },
        401: unauthenticated,
        403: problemResponse("`auth.reauthentication_required`: confirm a code first."),
        409: problemResponse("The store requires a second factor of this account."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      await removeTotp(c.env, await accountOf(c.env, auth.principal), auth);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/recovery-codes",
      tags: PROFILE,
      security,
      summary: "Replace the recovery codes (needs a fresh second factor)",
      responses: {
        200: ok(RecoveryCodesSchema, "The new codes (shown once); the old ones stop working."),
        401: unauthenticated,
        403: problemResponse("`auth.reauthentication_required`: confirm a code first."),
        409: problemResponse("No authenticator set up."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      c.header("Cache-Control", "no-store");
      return c.json({ recoveryCodes: await regenerateRecoveryCodes(c.env, await accountOf(c.env, auth.principal), auth) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/verify",
      tags: PROFILE,
      security,
      summary: "Re-authenticate: prove the second factor again before a sensitive change",
      request: { body: json(SecondFactorCodeBody) },
      responses: {
        200: ok(ReauthenticatedSchema, "This session has a fresh second factor."),
        400: problemResponse("Invalid body."),
        401: problemResponse("Not signed in, or the code is wrong."),
        409: problemResponse("No authenticator set up."),
        429: problemResponse("Too many wrong codes."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      return c.json(await reauthenticate(c.env, await accountOf(c.env, auth.principal), auth.sessionId, c.req.valid("json").code), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/sessions",
      tags: PROFILE,
      security,
      summary: "The account's sessions: device, place, when each started and last renewed, which one is this one",
      responses: { 200: ok(AccountSessionList, "Every session that can still renew, this one first."), 401: problemResponse("Not signed in.") },
    }),
    async (c) => {
      const auth = requireAuth(c);
      c.header("Cache-Control", "no-store");
      return c.json(await listSessions(c.env, auth.principal.id, auth.sessionId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/sessions/{id}",
      tags: PROFILE,
      security,
      summary: "Sign one session out (its access stops at its next request)",
      request: { params: SessionIdParam },
      responses: { 204: { description: "Signed out." }, 401: problemResponse("Not signed in."), 404: problemResponse("No such session of this account.") },
    }),
    async (c) => {
      const auth = requireAuth(c);
      const { id } = c.req.valid("param");
      await endOwnSession(c.env, auth.principal.id, id);
      if (id === auth.sessionId && auth.via === "cookie") for (const cookie of clearedSessionCookies()) c.header("Set-Cookie", cookie, { append: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/sessions",
      tags: PROFILE,
      security,
      summary: "Sign out everywhere: every session of the account, this one included (or, with `?except=current`, every other one)",
      request: {
        query: z.object({ except: z.literal("current").optional().openapi({ description: "`current`: keep this session, end every other one." }) }).strict(),
      },
      responses: {
        204: { description: "Signed out everywhere (else)." },
        400: problemResponse("Invalid field."),
        401: problemResponse("Not signed in."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      if (c.req.valid("query").except === "current") {
        await endOtherSessions(c.env, auth.principal.id, auth.sessionId);
        return c.body(null, 204);
      }
      await signOut(c.env, auth, true);
      for (const cookie of clearedSessionCookies()) c.header("Set-Cookie", cookie, { append: true });
      return c.body(null, 204);
    },
  )
  // ---- Passkeys: a second factor next to the authenticator app (WebAuthn; the browser's part needs JavaScript) ----
  .openapi(
    createRoute({
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
    }),
    async (c) => {
      c.header("Cache-Control", "no-store");
      return c.json(await passkeySignInOptions(c.env, c.req.valid("json").challenge, requestContext(c).origin), 200);
    },
  )
  .openapi(
    createRoute({
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
    }),
    async (c) => {
      const { user, session } = await completeSignInWithPasskey(c.env, c.req.valid("json"), requestContext(c));
      return c.json(await sessionBody(c, user, session), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/mfa/passkeys",
      tags: PROFILE,
      security,
      summary: "The account's passkeys",
      responses: { 200: ok(PasskeyList, "Oldest first."), 401: unauthenticated },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json(await listPasskeys(c.env, requireAuth(c).principal.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/passkeys/options",
      tags: PROFILE,
      security,
      summary: "Start adding a passkey: options for `navigator.credentials.create()` (needs a fresh second factor when the account has one)",
      responses: {
        200: ok(PasskeyCreationOptions, "The challenge works once, for 5 minutes, for this session only."),
        401: unauthenticated,
        403: problemResponse("`auth.reauthentication_required`: confirm a second factor first."),
        409: problemResponse("The account has the most passkeys it may have."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      c.header("Cache-Control", "no-store");
      return c.json(await passkeyRegistrationOptions(c.env, await accountOf(c.env, auth.principal), auth.sessionId, requestContext(c).origin), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/passkeys",
      tags: PROFILE,
      security,
      summary: "Add the passkey the browser created for this session's challenge",
      request: { body: json(AddPasskeyBody) },
      responses: {
        201: ok(PasskeyCreatedSchema, "Added; `recoveryCodes` once when it is the account's first second factor."),
        400: problemResponse("Invalid body."),
        401: problemResponse("Not signed in, or the passkey answer is not valid (origin, challenge, signature)."),
        403: problemResponse("`auth.reauthentication_required`: confirm a second factor first."),
        409: problemResponse("Added already, or too many passkeys."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      c.header("Cache-Control", "no-store");
      const added = await registerPasskey(c.env, auth.principal, auth.sessionId, requestContext(c).origin, c.req.valid("json"));
      return c.json({ passkey: added.passkey, ...(added.recoveryCodes ? { recoveryCodes: added.recoveryCodes } : {}) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me/mfa/passkeys/{id}",
      tags: PROFILE,
      security,
      summary: "Rename a passkey",
      request: { params: IdParam, body: json(RenamePasskeyBody) },
      responses: {
        200: ok(PasskeySchema, "Renamed."),
        400: problemResponse("Invalid name."),
        401: unauthenticated,
        404: problemResponse("No such passkey of this account."),
      },
    }),
    async (c) => c.json(await renamePasskey(c.env, requireAuth(c).principal.id, c.req.valid("param").id, c.req.valid("json").name), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/mfa/passkeys/{id}",
      tags: PROFILE,
      security,
      summary: "Remove a passkey (needs a fresh second factor; not the last factor while the store requires one)",
      request: { params: IdParam },
      responses: {
        204: { description: "Removed." },
        401: unauthenticated,
        403: problemResponse("`auth.reauthentication_required`: confirm a second factor first."),
        404: problemResponse("No such passkey of this account."),
        409: problemResponse("The store requires a second factor of this account and this is its last."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      await removePasskey(c.env, await accountOf(c.env, auth.principal), auth.sessionId, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/passkeys/verify/options",
      tags: PROFILE,
      security,
      summary: "Re-authenticate with a passkey: options for `navigator.credentials.get()`",
      responses: {
        200: ok(PasskeyRequestOptions, "The challenge works once, for 5 minutes, for this session only."),
        401: unauthenticated,
        409: problemResponse("The account has no passkey."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      c.header("Cache-Control", "no-store");
      return c.json(await passkeyReauthOptions(c.env, auth.principal, auth.sessionId, requestContext(c).origin), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/passkeys/verify",
      tags: PROFILE,
      security,
      summary: "Re-authenticate with a passkey assertion before a sensitive change",
      request: { body: json(PasskeyVerifyBody) },
      responses: {
        200: ok(ReauthenticatedSchema, "This session has a fresh second factor."),
        400: problemResponse("Invalid body."),
        401: problemResponse("Not signed in, or the passkey answer is not valid (origin, challenge, signature, counter)."),
        429: problemResponse("Too many failed attempts."),
      },
    }),
    async (c) => {
      const auth = requireAuth(c);
      return c.json(await reauthenticateWithPasskey(c.env, auth.principal, auth.sessionId, requestContext(c).origin, c.req.valid("json").credential), 200);
    },
  );
