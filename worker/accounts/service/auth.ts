import { and, eq, isNull } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { enqueueEmail } from "../../notifications";
import { hashPassword, passwordCost, verifyAgainstDummy, verifyPassword } from "../password";
import { passwordProblem } from "../password-policy";
import { ipLimitKey } from "../../lib/client-ip";
import { clearAttempts, countAttempt, giveBackAttempt, ipKey, LIMITS } from "../rate-limit";
import type { LoginBody, PasskeySignInBody, SecondFactorLoginBody } from "../schema";
import { oneTimeTokens, users } from "../tables";
import { hashOpaqueToken, newOpaqueToken } from "../tokens";
import { completePasskeySignIn } from "./passkeys";
import { completeSecondFactor, recordSecondFactor, secondFactorChallenge, secondFactorNeed, verifySecondFactor } from "./second-factor";
import { type IssuedSession, startSession } from "./sessions";
import { revokeAllSessions, type UserRow } from "./users";

const RESET_TTL_MINUTES = 60;
const VERIFY_TTL_HOURS = 48;

export interface RequestContext {
  ip: string;
  userAgent: string | null;
  /** "City, CC" from the edge's location headers, for the account's session list. */
  place: string | null;
  /** Origin of links in emails, e.g. https://shop.example. */
  origin: string;
}

/** Client IP (set by Cloudflare's edge; the local runtime sets it too), user agent and the origin for emailed links. */
export function requestContextOf(headers: Headers, url: string): RequestContext {
  return {
    ip: headers.get("cf-connecting-ip") ?? "unknown",
    userAgent: headers.get("user-agent")?.slice(0, 200) ?? null,
    place: placeOf(headers),
    origin: new URL(url).origin,
  };
}

function placeOf(headers: Headers): string | null {
  const country = headers.get("cf-ipcountry");
  const city = headers.get("cf-ipcity");
  const known = country && country !== "XX" && country !== "T1" ? country : null;
  const place = [city, known].filter(Boolean).join(", ").slice(0, 100);
  return place || null;
}

function weakPassword(message: string, path = "password"): AppError {
  return new AppError("auth.weak_password", 400, message, [{ path, message }]);
}

async function sendVerification(env: Env, user: Pick<UserRow, "id" | "email" | "name">, origin: string): Promise<void> {
  const { token, hash } = await newOpaqueToken();
  await getDb(env.DB)
    .insert(oneTimeTokens)
    .values({ tokenHash: hash, userId: user.id, purpose: "verify_email", expiresAt: Date.now() + VERIFY_TTL_HOURS * 3_600_000 });
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `verify:${hash}`,
    template: "verify_email",
    to: user.email,
    data: { name: user.name, url: `${origin}/account/verify-email?token=${token}` },
  });
}

/**
 * Password sign-in. Unknown email and wrong password give the same answer
 * after the same work (a dummy hash is checked). Every counter is hit before
 * the slow hash, in one atomic step each, so parallel guesses cannot all slip
 * past a check: attempts per address; wrong passwords per address (for any
 * account, and for this account: 3, below the account's 5, so one address is
 * slowed with a 429 before it could lock the account for its owner); then
 * wrong passwords per account (the lockout, answered 429 with Retry-After).
 * IPv6 addresses count per /64. A right password gives its counts back.
 */
export async function login(env: Env, body: LoginBody, ctx: RequestContext): Promise<{ user: UserRow; session: IssuedSession }> {
  const accountKey = loginFailKey(body.email);
  const addressKey = ipKey("login-fail", ctx.ip);
  const pairKey = addressAccountKey(ctx.ip, body.email);
  await countAttempt(env, ipKey("login", ctx.ip), LIMITS.loginPerIp);
  try {
    await countAttempt(env, addressKey, LIMITS.loginFailuresPerIp);
    await countAttempt(env, pairKey, LIMITS.loginFailuresPerIpAndAccount);
  } catch (err) {
    throw err instanceof AppError && err.status === 429 ? addressSlowed(err) : err;
  }
  try {
    await countAttempt(env, accountKey, LIMITS.loginFailuresPerAccount);
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 429) throw err;
    return unlockWithSecondFactor(env, body, ctx, accountKey, accountLocked(err));
  }
  const user = await getDb(env.DB).select().from(users).where(eq(users.email, body.email)).get();
  let ok = false;
  if (user?.passwordHash) {
    const result = await verifyPassword(body.password, user.passwordHash, passwordCost(env));
    ok = result.ok;
    if (result.needsRehash) {
      await getDb(env.DB)
        .update(users)
        .set({ passwordHash: await hashPassword(body.password, passwordCost(env)) })
        .where(eq(users.id, user.id));
    }
  } else {
    await verifyAgainstDummy(body.password, passwordCost(env));
  }
  if (!ok || !user || user.status !== "active") throw new AppError("auth.invalid_credentials", 401, "The email or password is not right.");
  await clearAttempts(env, accountKey);
  await clearAttempts(env, pairKey);
  // One back, not a clear: signing in to an account of one's own must not wipe out guesses at others.
  await giveBackAttempt(env, addressKey);
  const need = await secondFactorNeed(env, user);
  if (need === "none") return { user, session: await startSession(env, user, ctx) };
  if (need === "verify" && body.code) {
    await verifySecondFactor(env, user, body.code);
    const session = await startSession(env, user, ctx);
    await recordSecondFactor(env, session.sessionId, user.id);
    return { user, session };
  }
  throw await secondFactorChallenge(env, user, need);
}

/** The address's answer: slowed down, with the way in that no guesser has (the same for every email). */
function addressSlowed(limited: AppError): AppError {
  const retryAfter = limited.headers["Retry-After"] ?? "900";
  const minutes = Math.max(1, Math.ceil(Number(retryAfter) / 60));
  return new AppError(
    "auth.rate_limited",
    429,
    `Too many wrong passwords from your network. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or reset your password to get in now.`,
    [{ path: "password", message: "Sign-in paused for this network after too many wrong passwords" }],
    { "Retry-After": retryAfter },
  );
}

/** Wrong passwords from one address (IPv6 per /64) for one account. */
const addressAccountKey = (ip: string, email: string) => `login-fail:ip-acct:${ipLimitKey(ip)}:${email.toLowerCase()}`;

/** The lock's answer, saying how its owner gets in now (the same for every email, known or not). */
function accountLocked(limited: AppError): AppError {
  const retryAfter = limited.headers["Retry-After"] ?? "900";
  const minutes = Math.max(1, Math.ceil(Number(retryAfter) / 60));
  return new AppError(
    "auth.rate_limited",
    429,
    `Too many wrong passwords for this account. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, sign in with your password and authenticator code, or reset your password to unlock it now.`,
    [{ path: "email", message: "Sign-in paused after too many wrong passwords" }],
    { "Retry-After": retryAfter },
  );
}

/** The failure counter of an account's sign-in (the per-account lockout); a reset or a second factor clears it. */
const loginFailKey = (email: string) => `login-fail:acct:${email.toLowerCase()}`;

/**
 * An account locked after too many wrong passwords still lets its owner in with the right password AND
 * a right authenticator (or recovery) code in the same request: the code is checked first (cheap, and
 * limited to 5 wrong per 15 minutes on its own counter), so a guesser without the code runs no password
 * hash and learns nothing: every other case answers the same 429 as the lock. Success ends the lock.
 */
async function unlockWithSecondFactor(
  env: Env,
  body: LoginBody,
  ctx: RequestContext,
  accountKey: string,
  locked: AppError,
): Promise<{ user: UserRow; session: IssuedSession }> {
  if (!body.code) throw locked;
  const user = await getDb(env.DB).select().from(users).where(eq(users.email, body.email)).get();
  if (!user?.passwordHash || user.status !== "active" || (await secondFactorNeed(env, user)) !== "verify") throw locked;
  try {
    await verifySecondFactor(env, user, body.code);
  } catch {
    throw locked;
  }
  if (!(await verifyPassword(body.password, user.passwordHash, passwordCost(env))).ok) throw locked;
  await clearAttempts(env, accountKey);
  await clearAttempts(env, addressAccountKey(ctx.ip, user.email));
  const session = await startSession(env, user, ctx);
  await recordSecondFactor(env, session.sessionId, user.id);
  return { user, session };
}

/**
 * The second step of a password sign-in that answered `auth.second_factor_required`: the challenge it
 * carried plus a code. Starts the session with a fresh second factor on record; `recoveryCodes` is set when
 * this step enrolled the authenticator.
 */
export async function completeSignIn(
  env: Env,
  body: SecondFactorLoginBody,
  ctx: RequestContext,
): Promise<{ user: UserRow; session: IssuedSession; recoveryCodes: string[] | null }> {
  const { user, recoveryCodes } = await completeSecondFactor(env, body.challenge, body.code, (id) =>
    getDb(env.DB).select().from(users).where(eq(users.id, id)).get(),
  );
  const session = await startSession(env, user, ctx);
  await recordSecondFactor(env, session.sessionId, user.id);
  return { user, session, recoveryCodes };
}

/**
 * The second step of a password sign-in with a passkey instead of a code: the sign-in challenge plus an assertion
 * answering a passkey challenge issued for it. Starts the session with a fresh second factor on record.
 */
export async function completeSignInWithPasskey(env: Env, body: PasskeySignInBody, ctx: RequestContext): Promise<{ user: UserRow; session: IssuedSession }> {
  const user = await completePasskeySignIn(env, body, ctx.origin, (id) => getDb(env.DB).select().from(users).where(eq(users.id, id)).get());
  const session = await startSession(env, user, ctx);
  await recordSecondFactor(env, session.sessionId, user.id);
  return { user, session };
}

/**
 * Emails a one-time reset link when the account exists. The caller answers
 * the same way either way, so the endpoint does not reveal which emails exist.
 */
export async function requestPasswordReset(env: Env, email: string, ctx: RequestContext): Promise<void> {
  await countAttempt(env, ipKey("reset", ctx.ip), LIMITS.resetPerIp);
  const user = await getDb(env.DB).select().from(users).where(eq(users.email, email)).get();
  if (!user || user.status !== "active") return;
  try {
    await countAttempt(env, `reset:acct:${email}`, LIMITS.resetPerAccount);
  } catch {
    return; // silently: a 429 here would reveal that the account exists
  }
  const { token, hash } = await newOpaqueToken();
  await getDb(env.DB)
    .insert(oneTimeTokens)
    .values({ tokenHash: hash, userId: user.id, purpose: "password_reset", expiresAt: Date.now() + RESET_TTL_MINUTES * 60_000 });
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `reset:${hash}`,
    template: "password_reset",
    to: user.email,
    data: { name: user.name, url: `${ctx.origin}/account/reset-password?token=${token}`, expiresInMinutes: RESET_TTL_MINUTES },
  });
}

/** Uses a one-time token exactly once; throws when it is unknown, used, expired or for another purpose. */
async function consumeToken(env: Env, token: string, purpose: "password_reset" | "verify_email"): Promise<string> {
  const db = getDb(env.DB);
  const hash = await hashOpaqueToken(token);
  const row = await db
    .update(oneTimeTokens)
    .set({ usedAt: Date.now() })
    .where(and(eq(oneTimeTokens.tokenHash, hash), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt)))
    .returning()
    .get();
  if (!row || row.expiresAt <= Date.now()) {
    throw new AppError("auth.invalid_token", 400, "This link is invalid or has expired. Ask for a new one.", [
      { path: "token", message: "Invalid or expired" },
    ]);
  }
  return row.userId;
}

/**
 * Sets a new password from a reset link and ends every session of the account. The owner proved the
 * mailbox, so the lock on the account ends, and so do the counts that slowed the address the link was
 * opened from (`ctx`): whatever a guesser did, the owner gets in. (Resets are limited per address and
 * per account, so this cannot be used to keep guessing.)
 */
export async function confirmPasswordReset(env: Env, token: string, password: string, ctx?: Pick<RequestContext, "ip">): Promise<void> {
  const hash = await hashOpaqueToken(token);
  const pending = await getDb(env.DB).select({ userId: oneTimeTokens.userId }).from(oneTimeTokens).where(eq(oneTimeTokens.tokenHash, hash)).get();
  const owner = pending ? await getDb(env.DB).select().from(users).where(eq(users.id, pending.userId)).get() : undefined;
  const problem = passwordProblem(password, owner ?? {});
  if (problem) throw weakPassword(problem);
  const userId = await consumeToken(env, token, "password_reset");
  await getDb(env.DB)
    .update(users)
    .set({ passwordHash: await hashPassword(password, passwordCost(env)), updatedAt: new Date().toISOString() })
    .where(eq(users.id, userId));
  await revokeAllSessions(env, userId);
  if (owner) {
    await clearAttempts(env, loginFailKey(owner.email));
    if (ctx) {
      await clearAttempts(env, addressAccountKey(ctx.ip, owner.email));
      await clearAttempts(env, ipKey("login-fail", ctx.ip));
    }
  }
  if (owner) await enqueueEmail(env.EMAIL_QUEUE, { id: `pwchanged:${hash}`, template: "password_changed", to: owner.email, data: { name: owner.name } });
}

/** Marks the email verified from the emailed link. */
export async function verifyEmail(env: Env, token: string): Promise<void> {
  const userId = await consumeToken(env, token, "verify_email");
  await getDb(env.DB).update(users).set({ emailVerifiedAt: new Date().toISOString() }).where(eq(users.id, userId));
}

/** Sends a fresh verification link (if the email is not verified yet). */
export async function resendVerification(env: Env, user: UserRow, ctx: RequestContext): Promise<void> {
  if (user.emailVerifiedAt) return;
  await countAttempt(env, `verify:acct:${user.id}`, { limit: 5, windowSeconds: 3600 });
  await sendVerification(env, user, ctx.origin);
}

/**
 * Changes the password after checking the current one; every session ends
 * (other devices are signed out) and a new one starts for this client.
 */
export async function changePassword(env: Env, user: UserRow, current: string, next: string, ctx: RequestContext): Promise<IssuedSession> {
  // Counted before the hash, like sign-in; the right password gives it back.
  const accountKey = loginFailKey(user.email);
  await countAttempt(env, accountKey, LIMITS.loginFailuresPerAccount);
  const check = user.passwordHash ? await verifyPassword(current, user.passwordHash, passwordCost(env)) : { ok: false };
  if (!check.ok) {
    throw new AppError("auth.invalid_credentials", 400, "Your current password is not right.", [
      { path: "currentPassword", message: "Not your current password" },
    ]);
  }
  await clearAttempts(env, accountKey);
  const problem = passwordProblem(next, user);
  if (problem) throw weakPassword(problem, "newPassword");
  await getDb(env.DB)
    .update(users)
    .set({ passwordHash: await hashPassword(next, passwordCost(env)), updatedAt: new Date().toISOString() })
    .where(eq(users.id, user.id));
  const now = Date.now();
  await revokeAllSessions(env, user.id, now);
  await enqueueEmail(env.EMAIL_QUEUE, { id: `pwchanged:${user.id}:${now}`, template: "password_changed", to: user.email, data: { name: user.name } });
  // Tokens issued at or after the revocation instant stay valid (the check is strict <).
  return startSession(env, user, ctx);
}
