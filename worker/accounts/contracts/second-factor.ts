import { createRoute } from "@hono/zod-openapi";
import { IdParam, problemResponse } from "../../lib/openapi";
import {
  AddPasskeyBody,
  PasskeyCreatedSchema,
  PasskeyCreationOptions,
  PasskeyList,
  PasskeyRequestOptions,
  PasskeySchema,
  PasskeyVerifyBody,
  ReauthenticatedSchema,
  RecoveryCodesSchema,
  RenamePasskeyBody,
  SecondFactorCodeBody,
  SecondFactorStatusSchema,
  TotpEnrollmentSchema,
} from "../schema";
import { json, ok, PROFILE, security, unauthenticated } from "./shared";

// The OpenAPI contracts of the signed-in user's second factors: the authenticator app, recovery codes,
// passkeys, and proving a factor again before a sensitive change. Handlers: ../routes.ts.

export const secondFactorStatusRoute = createRoute({
  method: "get",
  path: "/me/mfa",
  tags: PROFILE,
  security,
  summary: "The account's second factors",
  responses: { 200: ok(SecondFactorStatusSchema, "Authenticator, recovery codes left, and whether the store requires one."), 401: unauthenticated },
});

export const startTotpRoute = createRoute({
  method: "post",
  path: "/me/mfa/totp",
  tags: PROFILE,
  security,
  summary: "Start adding an authenticator app: a new key waiting for its first code",
  responses: { 201: ok(TotpEnrollmentSchema, "The key (shown once)."), 401: unauthenticated, 409: problemResponse("One is set up already.") },
});

export const confirmTotpRoute = createRoute({
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
});

export const removeTotpRoute = createRoute({
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
});

export const recoveryCodesRoute = createRoute({
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
});

export const reauthenticateRoute = createRoute({
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
});

export const listPasskeysRoute = createRoute({
  method: "get",
  path: "/me/mfa/passkeys",
  tags: PROFILE,
  security,
  summary: "The account's passkeys",
  responses: { 200: ok(PasskeyList, "Oldest first."), 401: unauthenticated },
});

export const passkeyOptionsRoute = createRoute({
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
});

export const addPasskeyRoute = createRoute({
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
});

export const renamePasskeyRoute = createRoute({
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
});

export const removePasskeyRoute = createRoute({
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
});

export const passkeyReauthOptionsRoute = createRoute({
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
});

export const passkeyReauthRoute = createRoute({
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
});
