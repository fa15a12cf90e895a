import { and, eq, isNull, lt, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import type { AuthState, Role } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { decryptPii, encryptPii } from "../../lib/pii-crypto";
import { newTotpSecret, totpStep, totpUri } from "../../lib/totp";
import { securitySettings, storeSettings } from "../../store";
import { clearAttempts, countAttempt } from "../rate-limit";
import { recoveryCodes, sessionFactors, signInChallenges, userPasskeys, userTotp } from "../tables";
import { hashOpaqueToken, newOpaqueToken } from "../tokens";
import type { UserRow } from "./users";

/** Roles held to the staff bar: with the store setting on, they cannot sign in on a password alone. */
export const STAFF_ROLES: readonly Role[] = ["admin", "support", "vendor"];
const CHALLENGE_TTL_MS = 5 * 60_000;
const RECOVERY_CODE_COUNT = 10;
/** Wrong codes per account per 15 minutes, counted before checking (a 6-digit code must not be guessable). */
const CODE_FAILURES = { limit: 5, windowSeconds: 15 * 60 };

const secretContext = (userId: string) => `user_totp.secret:${userId}`;

/** A fresh 160-bit authenticator key (Base32) and its `otpauth://` URI for authenticator apps. */
async function newSecret(env: Env, user: Pick<UserRow, "id" | "email">): Promise<{ secret: string; uri: string }> {
  const { storeName } = await storeSettings(env);
  const secret = newTotpSecret();
  return { secret, uri: totpUri({ issuer: storeName, label: user.email, secret }) };
}

/**
 * The time step a code belongs to (previous, current or next, for clock drift), or null. A step at or
 * before `afterStep` is refused: the same code never works twice.
 */
async function matchingStep(base32: string, code: string, afterStep: number): Promise<number | null> {
  const step = await totpStep(base32, code, Date.now(), 1);
  return step !== null && step > afterStep ? step : null;
}

function wrongCode(): AppError {
  return new AppError("auth.invalid_second_factor", 401, "That code is not right (or was used already). Try the next one.", [
    { path: "code", message: "Not a valid code" },
  ]);
}

/** A recovery code as shown to a person: 10 characters in two groups, no look-alike letters. */
function newRecoveryCode(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}
const normaliseRecoveryCode = (code: string) => code.trim().toLowerCase().replace(/[\s-]/g, "");

/** A fresh set of recovery codes (the old ones stop working); the codes are answered once and stored hashed. */
export async function replaceRecoveryCodes(env: Env, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const hashes = await Promise.all(codes.map((c) => hashOpaqueToken(normaliseRecoveryCode(c))));
  const db = getDb(env.DB);
  await db.batch([
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    db.insert(recoveryCodes).values(hashes.map((codeHash) => ({ codeHash, userId }))),
  ]);
  return codes;
}

/** Whether the account has a confirmed authenticator. */
async function confirmedTotp(env: Env, userId: string) {
  const row = await getDb(env.DB).select().from(userTotp).where(eq(userTotp.userId, userId)).get();
  return row?.confirmedAt ? row : null;
}

/** How many passkeys the account has (each one is a second factor). */
export async function countPasskeys(env: Env, userId: string): Promise<number> {
  const row = await getDb(env.DB).select({ n: sql<number>`count(*)` }).from(userPasskeys).where(eq(userPasskeys.userId, userId)).get();
  return row?.n ?? 0;
}

/** The second factors a sign-in of the account can be completed with (recovery codes go with either). */
export async function secondFactorMethods(env: Env, userId: string): Promise<("totp" | "passkey")[]> {
  const [totp, passkeys] = await Promise.all([confirmedTotp(env, userId), countPasskeys(env, userId)]);
  return [...(totp ? (["totp"] as const) : []), ...(passkeys > 0 ? (["passkey"] as const) : [])];
}

/** What a password sign-in of `user` still needs: nothing, its enrolled factor, or enrolment (staff while the store requires one). */
export async function secondFactorNeed(env: Env, user: Pick<UserRow, "id" | "role">): Promise<"none" | "verify" | "enroll"> {
  if ((await secondFactorMethods(env, user.id)).length > 0) return "verify";
  if (STAFF_ROLES.includes(user.role) && (await securitySettings(env)).staffSecondFactorRequired) return "enroll";
  return "none";
}

/**
 * Checks an authenticator code or an unused recovery code of the account. Wrong codes are counted per account
 * before the check (5 per 15 minutes, then 429); a right one gives the count back. A recovery code is used up.
 */
export async function verifySecondFactor(env: Env, user: Pick<UserRow, "id" | "email">, code: string): Promise<"totp" | "recovery"> {
  const failKey = `mfa-fail:acct:${user.id}`;
  await countAttempt(env, failKey, CODE_FAILURES);
  const db = getDb(env.DB);
  const totp = await confirmedTotp(env, user.id);
  if (totp) {
    const step = await matchingStep(await decryptPii(env.PII_KEYS, totp.secretEnc, secretContext(user.id)), code.trim(), totp.lastStep);
    if (step !== null) {
      // Claiming the step in one guarded statement: of two requests with the same code only one wins.
      const claimed = await db
        .update(userTotp)
        .set({ lastStep: step })
        .where(and(eq(userTotp.userId, user.id), lt(userTotp.lastStep, step)))
        .run();
      if ((claimed.meta.changes ?? 0) > 0) {
        await clearAttempts(env, failKey);
        return "totp";
      }
    }
  }
  const normalised = normaliseRecoveryCode(code);
  if (normalised.length === 10) {
    const used = await db
      .update(recoveryCodes)
      .set({ usedAt: Date.now() })
      .where(and(eq(recoveryCodes.codeHash, await hashOpaqueToken(normalised)), eq(recoveryCodes.userId, user.id), isNull(recoveryCodes.usedAt)))
      .returning()
      .get();
    if (used) {
      await clearAttempts(env, failKey);
      return "recovery";
    }
  }
  throw wrongCode();
}

/** Notes that `sessionId` proved a second factor now (re-authentication reads it). */
export async function recordSecondFactor(env: Env, sessionId: string, userId: string, at = Date.now()): Promise<void> {
  await getDb(env.DB)
    .insert(sessionFactors)
    .values({ sessionId, userId, verifiedAt: at })
    .onConflictDoUpdate({ target: sessionFactors.sessionId, set: { verifiedAt: sql`max(${sessionFactors.verifiedAt}, ${at})` } });
}

/**
 * The problem a password sign-in answers while its second factor is missing: 401
 * `auth.second_factor_required` with a 5-minute `challenge` to complete with a code, and — for staff who
 * have no authenticator yet — the new key to enrol (`enroll.secret`, `enroll.uri`).
 */
export async function secondFactorChallenge(env: Env, user: Pick<UserRow, "id" | "email">, need: "verify" | "enroll"): Promise<AppError> {
  const { token, hash } = await newOpaqueToken();
  const enroll = need === "enroll" ? await newSecret(env, user) : null;
  const methods: ("totp" | "passkey")[] = enroll ? ["totp"] : await secondFactorMethods(env, user.id);
  await getDb(env.DB)
    .insert(signInChallenges)
    .values({
      tokenHash: hash,
      userId: user.id,
      secretEnc: enroll ? await encryptPii(env.PII_KEYS, enroll.secret, secretContext(user.id)) : null,
      expiresAt: Date.now() + CHALLENGE_TTL_MS,
    });
  return new AppError(
    "auth.second_factor_required",
    401,
    enroll
      ? "This account needs a second factor. Add the key to your authenticator app, then enter the code it shows."
      : methods.includes("totp")
        ? "Enter the code from your authenticator app (or a recovery code)."
        : "Use your passkey (or enter a recovery code).",
    [],
    {},
    { challenge: token, methods, ...(enroll ? { enroll } : {}) },
  );
}

/**
 * Completes a sign-in waiting for its second factor. With an enrolment challenge the code must come from the
 * new key: the key is then confirmed and a first set of recovery codes returned (shown once). The challenge
 * works once and for 5 minutes.
 */
export async function completeSecondFactor(
  env: Env,
  challenge: string,
  code: string,
  loadUser: (id: string) => Promise<UserRow | undefined>,
): Promise<{ user: UserRow; recoveryCodes: string[] | null }> {
  const db = getDb(env.DB);
  const hash = await hashOpaqueToken(challenge);
  const row = await db.select().from(signInChallenges).where(eq(signInChallenges.tokenHash, hash)).get();
  const expired = new AppError("auth.challenge_expired", 401, "That sign-in took too long. Sign in again.", [{ path: "challenge", message: "Expired" }]);
  if (!row || row.usedAt !== null || row.expiresAt <= Date.now()) throw expired;
  const user = await loadUser(row.userId);
  if (user?.status !== "active") throw expired;
  let fresh: string[] | null = null;
  if (row.secretEnc) {
    const failKey = `mfa-fail:acct:${user.id}`;
    await countAttempt(env, failKey, CODE_FAILURES);
    const secret = await decryptPii(env.PII_KEYS, row.secretEnc, secretContext(user.id));
    const step = await matchingStep(secret, code.trim(), 0);
    if (step === null) throw wrongCode();
    // Enrolment only where no confirmed key exists: a second enrolment challenge cannot replace one.
    const now = Date.now();
    const inserted = await db
      .insert(userTotp)
      .values({ userId: user.id, secretEnc: row.secretEnc, confirmedAt: now, lastStep: step, createdAt: now })
      .onConflictDoUpdate({ target: userTotp.userId, set: { secretEnc: row.secretEnc, confirmedAt: now, lastStep: step }, where: isNull(userTotp.confirmedAt) })
      .returning()
      .get();
    if (!inserted) throw expired;
    await clearAttempts(env, failKey);
    fresh = await replaceRecoveryCodes(env, user.id);
  } else {
    await verifySecondFactor(env, user, code);
  }
  const claimed = await db
    .update(signInChallenges)
    .set({ usedAt: Date.now() })
    .where(and(eq(signInChallenges.tokenHash, hash), isNull(signInChallenges.usedAt)))
    .run();
  if ((claimed.meta.changes ?? 0) === 0) throw expired;
  return { user, recoveryCodes: fresh };
}

/** The account's second factors as its owner sees them. */
export async function secondFactorStatus(env: Env, user: Pick<UserRow, "id" | "role">) {
  const row = await getDb(env.DB).select().from(userTotp).where(eq(userTotp.userId, user.id)).get();
  const left = await getDb(env.DB)
    .select({ n: sql<number>`count(*)` })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, user.id), isNull(recoveryCodes.usedAt)))
    .get();
  const required = STAFF_ROLES.includes(user.role) && (await securitySettings(env)).staffSecondFactorRequired;
  return {
    totp: row?.confirmedAt ? { enabled: true, since: new Date(row.confirmedAt).toISOString() } : { enabled: false, since: null },
    recoveryCodesLeft: left?.n ?? 0,
    passkeys: await countPasskeys(env, user.id),
    required,
  };
}

/** Starts adding an authenticator to a signed-in account: a new key, waiting for its first code. 409 when one is set up. */
export async function startTotpEnrollment(env: Env, user: Pick<UserRow, "id" | "email">): Promise<{ secret: string; uri: string }> {
  if (await confirmedTotp(env, user.id)) throw new AppError("auth.second_factor_exists", 409, "An authenticator is already set up. Remove it first.");
  const fresh = await newSecret(env, user);
  const secretEnc = await encryptPii(env.PII_KEYS, fresh.secret, secretContext(user.id));
  const now = Date.now();
  await getDb(env.DB)
    .insert(userTotp)
    .values({ userId: user.id, secretEnc, createdAt: now })
    .onConflictDoUpdate({ target: userTotp.userId, set: { secretEnc, createdAt: now, lastStep: 0 }, where: isNull(userTotp.confirmedAt) });
  return fresh;
}

/**
 * Confirms the pending authenticator with its first code, records a fresh second factor for this session
 * and returns the first recovery codes (shown once).
 */
export async function confirmTotpEnrollment(env: Env, user: Pick<UserRow, "id" | "email">, sessionId: string, code: string): Promise<string[]> {
  const db = getDb(env.DB);
  const row = await db.select().from(userTotp).where(eq(userTotp.userId, user.id)).get();
  if (!row || row.confirmedAt) throw new AppError("auth.no_pending_enrollment", 409, "Start adding an authenticator first.");
  const failKey = `mfa-fail:acct:${user.id}`;
  await countAttempt(env, failKey, CODE_FAILURES);
  const step = await matchingStep(await decryptPii(env.PII_KEYS, row.secretEnc, secretContext(user.id)), code.trim(), 0);
  if (step === null) throw wrongCode();
  await db
    .update(userTotp)
    .set({ confirmedAt: Date.now(), lastStep: step })
    .where(and(eq(userTotp.userId, user.id), isNull(userTotp.confirmedAt)));
  await clearAttempts(env, failKey);
  await recordSecondFactor(env, sessionId, user.id);
  return replaceRecoveryCodes(env, user.id);
}

/** A new set of recovery codes (the old ones stop working); needs a fresh second factor. */
export async function regenerateRecoveryCodes(env: Env, user: Pick<UserRow, "id">, auth: Pick<AuthState, "sessionId">): Promise<string[]> {
  await requireFreshSecondFactor(env, { principal: { id: user.id }, sessionId: auth.sessionId });
  if ((await secondFactorMethods(env, user.id)).length === 0) throw new AppError("auth.no_second_factor", 409, "Set up an authenticator or a passkey first.");
  return replaceRecoveryCodes(env, user.id);
}

/** Removes the authenticator (and the recovery codes unless a passkey stays); needs a fresh second factor, and is refused while the store requires a factor of this account and no passkey would be left. */
export async function removeTotp(env: Env, user: Pick<UserRow, "id" | "role">, auth: Pick<AuthState, "sessionId">): Promise<void> {
  const status = await secondFactorStatus(env, user);
  // A passkey left on the account still meets the store's rule.
  if (status.required && status.passkeys === 0) {
    throw new AppError("auth.second_factor_required_by_store", 409, "Staff accounts must keep a second factor while the store requires it.");
  }
  await requireFreshSecondFactor(env, { principal: { id: user.id }, sessionId: auth.sessionId });
  const db = getDb(env.DB);
  // Recovery codes stand in for any second factor: they stay while a passkey does.
  if (status.passkeys > 0) await db.delete(userTotp).where(eq(userTotp.userId, user.id));
  else await db.batch([db.delete(userTotp).where(eq(userTotp.userId, user.id)), db.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id))]);
}

/** Re-authentication: checks a code and records a fresh second factor for this session. */
export async function reauthenticate(env: Env, user: Pick<UserRow, "id" | "email">, sessionId: string, code: string): Promise<{ verifiedAt: string }> {
  if ((await secondFactorMethods(env, user.id)).length === 0) {
    throw new AppError("auth.no_second_factor", 409, "Set up an authenticator or a passkey first (Account → Security).");
  }
  await verifySecondFactor(env, user, code);
  const at = Date.now();
  await recordSecondFactor(env, sessionId, user.id, at);
  return { verifiedAt: new Date(at).toISOString() };
}

/**
 * The guard in front of sensitive changes (roles and permissions, large refunds, payout settings, API keys):
 * the caller's session must have proved a second factor within the store's `reauthMinutes`. Otherwise 403
 * `auth.reauthentication_required`; the client asks for a code and calls `POST /api/me/mfa/verify`.
 */
export async function requireFreshSecondFactor(env: Env, auth: { principal: { id: string }; sessionId: string }): Promise<void> {
  const { reauthMinutes } = await securitySettings(env);
  const row = await getDb(env.DB).select().from(sessionFactors).where(eq(sessionFactors.sessionId, auth.sessionId)).get();
  if (row && row.userId === auth.principal.id && row.verifiedAt >= Date.now() - reauthMinutes * 60_000) return;
  throw new AppError(
    "auth.reauthentication_required",
    403,
    `Confirm it is you: enter a code from your authenticator or use your passkey (needed within ${reauthMinutes} minutes before this change).`,
    [],
    {},
    { reauthenticate: "/api/me/mfa/verify", reauthenticateWithPasskey: "/api/me/mfa/passkeys/verify/options" },
  );
}
