import { and, asc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { securitySettings, storeSettings } from "../../store";
import { clearAttempts, countAttempt } from "../rate-limit";
import type { AddPasskeyBody, Passkey, PasskeyAssertion, PasskeySignInBody } from "../schema";
import { passkeyChallenges, recoveryCodes, signInChallenges, userPasskeys, userTotp } from "../tables";
import { hashOpaqueToken } from "../tokens";
import { countPasskeys, recordSecondFactor, replaceRecoveryCodes, requireFreshSecondFactor, secondFactorMethods, STAFF_ROLES } from "./second-factor";
import type { UserRow } from "./users";

const CHALLENGE_TTL_MS = 5 * 60_000;
/** More than anyone needs (a phone, a laptop, two keys…); bounds what a stolen session could add. */
const MAX_PASSKEYS = 10;
/** EdDSA, ES256, RS256: what authenticators use and Workers' WebCrypto verifies. */
const ALGORITHMS = [-8, -7, -257];
/** Failed passkey checks count on the same per-account counter as wrong codes (5 per 15 minutes). */
const FAILURES = { limit: 5, windowSeconds: 15 * 60 };
const failKey = (userId: string) => `mfa-fail:acct:${userId}`;
/** Passkey ceremonies an account may start per 5 minutes. */
const OPTIONS_LIMIT = { limit: 30, windowSeconds: 5 * 60 };

type Purpose = "register" | "sign_in" | "reauth";

/**
 * SimpleWebAuthn and its ASN.1/X.509 parsers are about 120 KiB gzipped: loaded on the first passkey request of an
 * isolate instead of at every start (each request imports for itself; the module registry answers the later ones).
 */
const webauthn = () => import("@simplewebauthn/server");

/**
 * Who the browser talks to: the store's public origin (`PUBLIC_ORIGIN`, set in production) or else the origin the
 * request came to, and its host name as the WebAuthn relying-party id. A passkey is bound to that id for good, so a
 * store that changes domain asks its customers to add their passkeys again.
 */
function relyingParty(env: Pick<Env, "PUBLIC_ORIGIN">, requestOrigin: string): { origin: string; rpID: string } {
  const origin = new URL(env.PUBLIC_ORIGIN || requestOrigin).origin;
  return { origin, rpID: new URL(origin).hostname };
}

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toPasskey(row: typeof userPasskeys.$inferSelect): Passkey {
  return {
    id: row.id,
    name: row.name,
    transports: JSON.parse(row.transports) as string[],
    synced: row.backedUp === 1,
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: row.lastUsedAt === null ? null : new Date(row.lastUsedAt).toISOString(),
  };
}

const invalid = (message = "That passkey could not be checked. Try again, or use another second factor.") =>
  new AppError("auth.passkey_invalid", 401, message, [{ path: "credential", message: "Not a valid passkey answer for this request" }]);
const challengeGone = () =>
  new AppError("auth.passkey_challenge_expired", 401, "That passkey request expired or was used already. Start again.", [
    { path: "credential", message: "Expired or used challenge" },
  ]);

/** The challenge the browser signed, read from its client data (the signature check below proves it). */
function signedChallenge(clientDataJSON: string): string {
  try {
    const data = JSON.parse(new TextDecoder().decode(fromBase64Url(clientDataJSON))) as { challenge?: unknown };
    if (typeof data.challenge === "string" && /^[A-Za-z0-9_-]{16,200}$/.test(data.challenge)) return data.challenge;
  } catch {}
  throw invalid();
}

async function storeChallenge(
  env: Env,
  userId: string,
  purpose: Purpose,
  challenge: string,
  binding: { sessionId?: string; signInHash?: string },
): Promise<void> {
  // Each ceremony stores a row: a client looping on the options cannot fill the table.
  await countAttempt(env, `passkey-options:acct:${userId}`, OPTIONS_LIMIT);
  const db = getDb(env.DB);
  const now = Date.now();
  await db.batch([
    // Nothing sweeps these elsewhere: each new ceremony clears the account's stale ones.
    db
      .delete(passkeyChallenges)
      .where(and(eq(passkeyChallenges.userId, userId), or(lt(passkeyChallenges.expiresAt, now), sql`${passkeyChallenges.usedAt} is not null`))),
    db.insert(passkeyChallenges).values({
      challengeHash: await hashOpaqueToken(challenge),
      userId,
      purpose,
      sessionId: binding.sessionId ?? null,
      signInHash: binding.signInHash ?? null,
      expiresAt: now + CHALLENGE_TTL_MS,
    }),
  ]);
}

/**
 * Uses up the challenge a browser answered, in one guarded statement: it must be unused, unexpired, of this account
 * and purpose, and bound to the same session (or sign-in). Of two requests with the same answer only one gets here.
 */
async function claimChallenge(env: Env, challenge: string, userId: string, purpose: Purpose, binding: { sessionId?: string; signInHash?: string }) {
  const now = Date.now();
  const claimed = await getDb(env.DB)
    .update(passkeyChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(passkeyChallenges.challengeHash, await hashOpaqueToken(challenge)),
        eq(passkeyChallenges.userId, userId),
        eq(passkeyChallenges.purpose, purpose),
        binding.sessionId ? eq(passkeyChallenges.sessionId, binding.sessionId) : isNull(passkeyChallenges.sessionId),
        binding.signInHash ? eq(passkeyChallenges.signInHash, binding.signInHash) : isNull(passkeyChallenges.signInHash),
        isNull(passkeyChallenges.usedAt),
        gt(passkeyChallenges.expiresAt, now),
      ),
    )
    .run();
  if ((claimed.meta.changes ?? 0) === 0) throw challengeGone();
}

async function passkeysOf(env: Env, userId: string) {
  return getDb(env.DB).select().from(userPasskeys).where(eq(userPasskeys.userId, userId)).orderBy(asc(userPasskeys.createdAt)).all();
}

/** The account's passkeys, oldest first. */
export async function listPasskeys(env: Env, userId: string): Promise<{ items: Passkey[] }> {
  return { items: (await passkeysOf(env, userId)).map(toPasskey) };
}

/** Adding a factor to an account that has one is a sensitive change (a stolen session must not add its own key). */
async function guardNewPasskey(env: Env, user: Pick<UserRow, "id">, sessionId: string): Promise<void> {
  if ((await secondFactorMethods(env, user.id)).length > 0) await requireFreshSecondFactor(env, { principal: { id: user.id }, sessionId });
  if ((await countPasskeys(env, user.id)) >= MAX_PASSKEYS) {
    throw new AppError("auth.passkey_limit", 409, `An account can have ${MAX_PASSKEYS} passkeys. Remove one first.`);
  }
}

/**
 * Options for `navigator.credentials.create()`: a new challenge for this session (5 minutes, once), the account's
 * existing passkeys excluded. An account that already has a second factor needs a fresh one first.
 */
export async function passkeyRegistrationOptions(env: Env, user: Pick<UserRow, "id" | "email" | "name">, sessionId: string, requestOrigin: string) {
  await guardNewPasskey(env, user, sessionId);
  const { rpID } = relyingParty(env, requestOrigin);
  const existing = await passkeysOf(env, user.id);
  const { generateRegistrationOptions } = await webauthn();
  const options = await generateRegistrationOptions({
    rpName: (await storeSettings(env)).storeName || "Store",
    rpID,
    userName: user.email,
    userDisplayName: user.name,
    // The account id, not the email: the user handle must not carry personal data.
    userID: new TextEncoder().encode(user.id),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: JSON.parse(p.transports) as string[] })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  await storeChallenge(env, user.id, "register", options.challenge, { sessionId });
  return options;
}

/**
 * Adds the passkey a browser created for this session's registration challenge (checked for origin, RP id, the
 * challenge and user presence). Answers the first recovery codes when this is the account's first second factor.
 */
export async function registerPasskey(
  env: Env,
  user: Pick<UserRow, "id">,
  sessionId: string,
  requestOrigin: string,
  body: AddPasskeyBody,
): Promise<{ passkey: Passkey; recoveryCodes: string[] | null }> {
  const firstFactor = (await secondFactorMethods(env, user.id)).length === 0;
  await guardNewPasskey(env, user, sessionId);
  const challenge = signedChallenge(body.credential.response.clientDataJSON);
  await claimChallenge(env, challenge, user.id, "register", { sessionId });
  const { origin, rpID } = relyingParty(env, requestOrigin);
  const { verifyRegistrationResponse } = await webauthn();
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: body.credential,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch {
    throw invalid();
  }
  if (!verified.verified) throw invalid();
  const info = verified.registrationInfo;
  const now = Date.now();
  const row = await getDb(env.DB)
    .insert(userPasskeys)
    .values({
      id: newId("pk"),
      userId: user.id,
      credentialId: info.credential.id,
      publicKey: toBase64Url(info.credential.publicKey),
      counter: info.credential.counter,
      transports: JSON.stringify(body.credential.response.transports ?? []),
      name: body.name,
      backedUp: info.credentialBackedUp ? 1 : 0,
      createdAt: now,
    })
    .onConflictDoNothing({ target: userPasskeys.credentialId })
    .returning()
    .get();
  if (!row) throw new AppError("auth.passkey_exists", 409, "This passkey is added already.", [{ path: "credential", message: "Already added" }]);
  // Creating it proved possession: the session counts as freshly verified, as after a confirmed authenticator.
  await recordSecondFactor(env, sessionId, user.id, now);
  return { passkey: toPasskey(row), recoveryCodes: firstFactor ? await replaceRecoveryCodes(env, user.id) : null };
}

/** Renames one of the account's passkeys; 404 for another account's. */
export async function renamePasskey(env: Env, userId: string, id: string, name: string): Promise<Passkey> {
  const row = await getDb(env.DB)
    .update(userPasskeys)
    .set({ name })
    .where(and(eq(userPasskeys.id, id), eq(userPasskeys.userId, userId)))
    .returning()
    .get();
  if (!row) throw new AppError("auth.passkey_not_found", 404, "No such passkey on this account.");
  return toPasskey(row);
}

/**
 * Removes one of the account's passkeys. Needs a fresh second factor; refused (409) when it is the account's last
 * second factor while the store requires one of it. Its recovery codes go with the last factor.
 */
export async function removePasskey(env: Env, user: Pick<UserRow, "id" | "role">, sessionId: string, id: string): Promise<void> {
  const db = getDb(env.DB);
  const row = await db
    .select()
    .from(userPasskeys)
    .where(and(eq(userPasskeys.id, id), eq(userPasskeys.userId, user.id)))
    .get();
  if (!row) throw new AppError("auth.passkey_not_found", 404, "No such passkey on this account.");
  await requireFreshSecondFactor(env, { principal: { id: user.id }, sessionId });
  const hasTotp = Boolean((await db.select().from(userTotp).where(eq(userTotp.userId, user.id)).get())?.confirmedAt);
  const others = (await countPasskeys(env, user.id)) - 1;
  const last = !hasTotp && others === 0;
  if (last && STAFF_ROLES.includes(user.role) && (await securitySettings(env)).staffSecondFactorRequired) {
    throw new AppError("auth.second_factor_required_by_store", 409, "Staff accounts must keep a second factor while the store requires it.");
  }
  await db.delete(userPasskeys).where(and(eq(userPasskeys.id, id), eq(userPasskeys.userId, user.id)));
  if (last) await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
}

async function assertionOptions(env: Env, userId: string, requestOrigin: string) {
  const passkeys = await passkeysOf(env, userId);
  if (passkeys.length === 0) throw new AppError("auth.no_passkey", 409, "This account has no passkey. Add one under Account → Security.");
  const { generateAuthenticationOptions } = await webauthn();
  return generateAuthenticationOptions({
    rpID: relyingParty(env, requestOrigin).rpID,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: JSON.parse(p.transports) as string[] })),
    // A second factor: the password (or the session) is the first, so presence is enough.
    userVerification: "preferred",
  });
}

/**
 * Checks an assertion against the account's passkey it names: signature, origin, RP id, challenge (already claimed
 * by the caller) and the signature counter, which must grow unless the authenticator keeps none (0 then 0). The
 * counter moves in one guarded statement, so two uses with the same counter cannot both pass.
 */
async function verifyAssertion(env: Env, userId: string, requestOrigin: string, challenge: string, credential: PasskeyAssertion): Promise<void> {
  const db = getDb(env.DB);
  const row = await db
    .select()
    .from(userPasskeys)
    .where(and(eq(userPasskeys.credentialId, credential.id), eq(userPasskeys.userId, userId)))
    .get();
  if (!row) throw invalid("That passkey is not one of this account's.");
  const { origin, rpID } = relyingParty(env, requestOrigin);
  const { verifyAuthenticationResponse } = await webauthn();
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response: credential,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: { id: row.credentialId, publicKey: fromBase64Url(row.publicKey), counter: row.counter },
      requireUserVerification: false,
    });
    if (!verified.verified) throw invalid();
    newCounter = verified.authenticationInfo.newCounter;
  } catch {
    throw invalid();
  }
  const moved = await db
    .update(userPasskeys)
    .set({ counter: newCounter, lastUsedAt: Date.now() })
    .where(and(eq(userPasskeys.id, row.id), newCounter === 0 ? eq(userPasskeys.counter, 0) : lt(userPasskeys.counter, newCounter)))
    .run();
  if ((moved.meta.changes ?? 0) === 0) throw invalid("That passkey answer was used already (its counter did not move on). Try again.");
}

/** Looks up an unused, unexpired sign-in challenge of the password step; answers its hash and account. */
async function pendingSignIn(env: Env, challenge: string): Promise<{ hash: string; userId: string }> {
  const hash = await hashOpaqueToken(challenge);
  const row = await getDb(env.DB).select().from(signInChallenges).where(eq(signInChallenges.tokenHash, hash)).get();
  if (!row || row.usedAt !== null || row.expiresAt <= Date.now() || row.secretEnc) {
    throw new AppError("auth.challenge_expired", 401, "That sign-in took too long. Sign in again.", [{ path: "challenge", message: "Expired" }]);
  }
  return { hash, userId: row.userId };
}

/** Options for `navigator.credentials.get()` to complete a password sign-in waiting for its second factor. */
export async function passkeySignInOptions(env: Env, signInChallenge: string, requestOrigin: string) {
  const pending = await pendingSignIn(env, signInChallenge);
  const options = await assertionOptions(env, pending.userId, requestOrigin);
  await storeChallenge(env, pending.userId, "sign_in", options.challenge, { signInHash: pending.hash });
  return options;
}

/**
 * The second step of a password sign-in with a passkey: the assertion must answer a passkey challenge issued for this
 * very sign-in challenge; both are used up. Answers the account (the caller starts the session).
 */
export async function completePasskeySignIn(
  env: Env,
  body: PasskeySignInBody,
  requestOrigin: string,
  loadUser: (id: string) => Promise<UserRow | undefined>,
): Promise<UserRow> {
  const pending = await pendingSignIn(env, body.challenge);
  const user = await loadUser(pending.userId);
  if (user?.status !== "active") throw challengeGone();
  await countAttempt(env, failKey(user.id), FAILURES);
  const challenge = signedChallenge(body.credential.response.clientDataJSON);
  await claimChallenge(env, challenge, user.id, "sign_in", { signInHash: pending.hash });
  await verifyAssertion(env, user.id, requestOrigin, challenge, body.credential);
  const claimed = await getDb(env.DB)
    .update(signInChallenges)
    .set({ usedAt: Date.now() })
    .where(and(eq(signInChallenges.tokenHash, pending.hash), isNull(signInChallenges.usedAt)))
    .run();
  if ((claimed.meta.changes ?? 0) === 0) throw challengeGone();
  await clearAttempts(env, failKey(user.id));
  return user;
}

/** Options for `navigator.credentials.get()` to re-authenticate this session before a sensitive change. */
export async function passkeyReauthOptions(env: Env, user: Pick<UserRow, "id">, sessionId: string, requestOrigin: string) {
  const options = await assertionOptions(env, user.id, requestOrigin);
  await storeChallenge(env, user.id, "reauth", options.challenge, { sessionId });
  return options;
}

/** Re-authentication with a passkey: checks the assertion and records a fresh second factor for this session. */
export async function reauthenticateWithPasskey(
  env: Env,
  user: Pick<UserRow, "id">,
  sessionId: string,
  requestOrigin: string,
  credential: PasskeyAssertion,
): Promise<{ verifiedAt: string }> {
  await countAttempt(env, failKey(user.id), FAILURES);
  const challenge = signedChallenge(credential.response.clientDataJSON);
  await claimChallenge(env, challenge, user.id, "reauth", { sessionId });
  await verifyAssertion(env, user.id, requestOrigin, challenge, credential);
  await clearAttempts(env, failKey(user.id));
  const at = Date.now();
  await recordSecondFactor(env, sessionId, user.id, at);
  return { verifiedAt: new Date(at).toISOString() };
}
