import { requireAuth } from "../lib/auth";
import { readCookie, serializeCookie } from "../lib/cookies";
import { AppError } from "../lib/errors";
import { createApiApp } from "../lib/openapi";
import {
  profileRoute,
  updateProfileRoute,
  changePasswordRoute,
  resendVerificationRoute,
  listAddressesRoute,
  createAddressRoute,
  addressRoute,
  updateAddressRoute,
  deleteAddressRoute,
  listSessionsRoute,
  endSessionRoute,
  endAllSessionsRoute,
} from "./contracts/profile";
import {
  secondFactorStatusRoute,
  startTotpRoute,
  confirmTotpRoute,
  removeTotpRoute,
  recoveryCodesRoute,
  reauthenticateRoute,
  listPasskeysRoute,
  passkeyOptionsRoute,
  addPasskeyRoute,
  renamePasskeyRoute,
  removePasskeyRoute,
  passkeyReauthOptionsRoute,
  passkeyReauthRoute,
} from "./contracts/second-factor";
import {
  registerRoute,
  confirmRegistrationRoute,
  loginRoute,
  loginSecondFactorRoute,
  refreshRoute,
  logoutRoute,
  passwordResetRoute,
  passwordResetConfirmRoute,
  verifyEmailRoute,
  oauthStartRoute,
  oauthCallbackRoute,
  passkeySignInOptionsRoute,
  passkeySignInRoute,
} from "./contracts/sign-in";
import { clearSessionCookies, OAUTH_COOKIE, oauthFailurePage, presentedRefreshToken, requestContext, sessionBody, sessionCookies } from "./http";
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

// The OpenAPI contract of each route (path, request, answers) is in contracts/: sign-in, profile and second
// factors; here each handler validates through it, calls one service and shapes the answer.

/** Signing up and in (password and OAuth), sessions, and the signed-in user's own profile and address book. */
export const accountRoutes = createApiApp()
  .openapi(registerRoute, async (c) => {
    await register(c.env, c.req.valid("json"), requestContext(c));
    c.header("Cache-Control", "no-store");
    return c.json({ status: REGISTRATION_STARTED }, 202);
  })
  .openapi(confirmRegistrationRoute, async (c) => {
    const { user, session } = await confirmRegistration(c.env, c.req.valid("json").token, requestContext(c));
    return c.json(await sessionBody(c, user, session), 201);
  })
  .openapi(loginRoute, async (c) => {
    const { user, session } = await login(c.env, c.req.valid("json"), requestContext(c));
    return c.json(await sessionBody(c, user, session), 200);
  })
  .openapi(loginSecondFactorRoute, async (c) => {
    const { user, session, recoveryCodes } = await completeSignIn(c.env, c.req.valid("json"), requestContext(c));
    return c.json({ ...(await sessionBody(c, user, session)), ...(recoveryCodes ? { recoveryCodes } : {}) }, 200);
  })
  .openapi(refreshRoute, async (c) => {
    const presented = presentedRefreshToken(c, c.req.valid("json").refreshToken);
    if (!presented) throw new AppError("auth.invalid_refresh_token", 401, "Your session has ended. Sign in again.");
    try {
      const { user, ...session } = await rotateSession(c.env, presented, requestContext(c).userAgent);
      return c.json(await sessionBody(c, user, session), 200);
    } catch (err) {
      clearSessionCookies(c);
      throw err;
    }
  })
  .openapi(logoutRoute, async (c) => {
    const body = c.req.valid("json");
    const auth = c.get("auth");
    // An expired access token must not leave the session running: the refresh token names it.
    const refresh = auth ? undefined : presentedRefreshToken(c, body.refreshToken);
    if (refresh) await signOutByRefreshToken(c.env, refresh, body.everywhere);
    else await signOut(c.env, auth, body.everywhere);
    clearSessionCookies(c);
    return c.body(null, 204);
  })
  .openapi(passwordResetRoute, async (c) => {
    await requestPasswordReset(c.env, c.req.valid("json").email, requestContext(c));
    return c.json({ status: "If an account exists for this email, a reset link is on its way." }, 202);
  })
  .openapi(passwordResetConfirmRoute, async (c) => {
    const body = c.req.valid("json");
    await confirmPasswordReset(c.env, body.token, body.password, requestContext(c));
    return c.body(null, 204);
  })
  .openapi(verifyEmailRoute, async (c) => {
    await verifyEmail(c.env, c.req.valid("json").token);
    return c.body(null, 204);
  })
  .openapi(oauthStartRoute, async (c) => {
    const { redirectUrl, stateCookie } = await startOAuth(c.env, c.req.valid("param").provider, new URL(c.req.url).origin, c.req.valid("query").returnTo);
    c.header("Set-Cookie", serializeCookie(OAUTH_COOKIE, stateCookie, 600));
    c.header("Cache-Control", "no-store");
    return c.redirect(redirectUrl, 302);
  })
  .openapi(oauthCallbackRoute, async (c) => {
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
      const page = oauthFailurePage(c, err);
      if (page) return c.redirect(page, 303);
      throw err;
    }
    const { session, returnTo } = completed;
    c.header("Set-Cookie", serializeCookie(OAUTH_COOKIE, "", 0), { append: true });
    for (const cookie of sessionCookies(session)) c.header("Set-Cookie", cookie, { append: true });
    c.header("Cache-Control", "no-store");
    return c.redirect(returnTo, 302);
  })
  .openapi(profileRoute, async (c) => {
    c.header("Cache-Control", "private, no-store");
    return c.json(await toUser(c.env, await accountOf(c.env, requireAuth(c).principal)), 200);
  })
  .openapi(updateProfileRoute, async (c) => c.json(await updateProfile(c.env, requireAuth(c).principal.id, c.req.valid("json")), 200))
  .openapi(changePasswordRoute, async (c) => {
    const user = await accountOf(c.env, requireAuth(c).principal);
    const body = c.req.valid("json");
    const session = await changePassword(c.env, user, body.currentPassword, body.newPassword, requestContext(c));
    return c.json(await sessionBody(c, user, session), 200);
  })
  .openapi(resendVerificationRoute, async (c) => {
    await resendVerification(c.env, await accountOf(c.env, requireAuth(c).principal), requestContext(c));
    return c.body(null, 202);
  })
  .openapi(listAddressesRoute, async (c) => {
    c.header("Cache-Control", "private, no-store");
    return c.json({ items: await listAddresses(c.env, requireAuth(c).principal.id) }, 200);
  })
  .openapi(createAddressRoute, async (c) => c.json(await createAddress(c.env, requireAuth(c).principal.id, c.req.valid("json")), 201))
  .openapi(addressRoute, async (c) => c.json(await getAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id), 200))
  .openapi(updateAddressRoute, async (c) => c.json(await updateAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id, c.req.valid("json")), 200))
  .openapi(deleteAddressRoute, async (c) => {
    await deleteAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(secondFactorStatusRoute, async (c) => {
    c.header("Cache-Control", "private, no-store");
    return c.json(await secondFactorStatus(c.env, await accountOf(c.env, requireAuth(c).principal)), 200);
  })
  .openapi(startTotpRoute, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await startTotpEnrollment(c.env, await accountOf(c.env, requireAuth(c).principal)), 201);
  })
  .openapi(confirmTotpRoute, async (c) => {
    const auth = requireAuth(c);
    c.header("Cache-Control", "no-store");
    const codes = await confirmTotpEnrollment(c.env, await accountOf(c.env, auth.principal), auth.sessionId, c.req.valid("json").code);
    return c.json({ recoveryCodes: codes }, 200);
  })
  .openapi(removeTotpRoute, async (c) => {
    const auth = requireAuth(c);
    await removeTotp(c.env, await accountOf(c.env, auth.principal), auth);
    return c.body(null, 204);
  })
  .openapi(recoveryCodesRoute, async (c) => {
    const auth = requireAuth(c);
    c.header("Cache-Control", "no-store");
    return c.json({ recoveryCodes: await regenerateRecoveryCodes(c.env, await accountOf(c.env, auth.principal), auth) }, 200);
  })
  .openapi(reauthenticateRoute, async (c) => {
    const auth = requireAuth(c);
    return c.json(await reauthenticate(c.env, await accountOf(c.env, auth.principal), auth.sessionId, c.req.valid("json").code), 200);
  })
  .openapi(listSessionsRoute, async (c) => {
    const auth = requireAuth(c);
    c.header("Cache-Control", "no-store");
    return c.json(await listSessions(c.env, auth.principal.id, auth.sessionId), 200);
  })
  .openapi(endSessionRoute, async (c) => {
    const auth = requireAuth(c);
    const { id } = c.req.valid("param");
    await endOwnSession(c.env, auth.principal.id, id);
    if (id === auth.sessionId && auth.via === "cookie") clearSessionCookies(c);
    return c.body(null, 204);
  })
  .openapi(endAllSessionsRoute, async (c) => {
    const auth = requireAuth(c);
    if (c.req.valid("query").except === "current") {
      await endOtherSessions(c.env, auth.principal.id, auth.sessionId);
      return c.body(null, 204);
    }
    await signOut(c.env, auth, true);
    clearSessionCookies(c);
    return c.body(null, 204);
  })
  // ---- Passkeys: a second factor next to the authenticator app (WebAuthn; the browser's part needs JavaScript) ----
  .openapi(passkeySignInOptionsRoute, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await passkeySignInOptions(c.env, c.req.valid("json").challenge, requestContext(c).origin), 200);
  })
  .openapi(passkeySignInRoute, async (c) => {
    const { user, session } = await completeSignInWithPasskey(c.env, c.req.valid("json"), requestContext(c));
    return c.json(await sessionBody(c, user, session), 200);
  })
  .openapi(listPasskeysRoute, async (c) => {
    c.header("Cache-Control", "private, no-store");
    return c.json(await listPasskeys(c.env, requireAuth(c).principal.id), 200);
  })
  .openapi(passkeyOptionsRoute, async (c) => {
    const auth = requireAuth(c);
    c.header("Cache-Control", "no-store");
    return c.json(await passkeyRegistrationOptions(c.env, await accountOf(c.env, auth.principal), auth.sessionId, requestContext(c).origin), 200);
  })
  .openapi(addPasskeyRoute, async (c) => {
    const auth = requireAuth(c);
    c.header("Cache-Control", "no-store");
    const added = await registerPasskey(c.env, auth.principal, auth.sessionId, requestContext(c).origin, c.req.valid("json"));
    return c.json({ passkey: added.passkey, ...(added.recoveryCodes ? { recoveryCodes: added.recoveryCodes } : {}) }, 201);
  })
  .openapi(renamePasskeyRoute, async (c) =>
    c.json(await renamePasskey(c.env, requireAuth(c).principal.id, c.req.valid("param").id, c.req.valid("json").name), 200),
  )
  .openapi(removePasskeyRoute, async (c) => {
    const auth = requireAuth(c);
    await removePasskey(c.env, await accountOf(c.env, auth.principal), auth.sessionId, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(passkeyReauthOptionsRoute, async (c) => {
    const auth = requireAuth(c);
    c.header("Cache-Control", "no-store");
    return c.json(await passkeyReauthOptions(c.env, auth.principal, auth.sessionId, requestContext(c).origin), 200);
  })
  .openapi(passkeyReauthRoute, async (c) => {
    const auth = requireAuth(c);
    return c.json(await reauthenticateWithPasskey(c.env, auth.principal, auth.sessionId, requestContext(c).origin, c.req.valid("json").credential), 200);
  });
