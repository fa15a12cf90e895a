import { and, eq, isNull, lt } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { enqueueEmail } from "../../notifications";
import { hashPassword, passwordCost } from "../password";
import { passwordProblem } from "../password-policy";
import { countAttempt, ipKey, LIMITS } from "../rate-limit";
import type { RegisterBody } from "../schema";
import { pendingRegistrations, users } from "../tables";
import { hashOpaqueToken, newOpaqueToken } from "../tokens";
import type { RequestContext } from "./auth";
import { type IssuedSession, startSession } from "./sessions";
import type { UserRow } from "./users";

const REGISTRATION_TTL_HOURS = 24;

/** The whole answer to a sign-up, for a new email and a known one alike. */
export const REGISTRATION_STARTED =
  "Check your email to finish. We sent a link to the address you gave; if it already has an account, the email says how to sign in instead.";

/**
 * Starts a sign-up. The answer is the same whether or not the email has an account (no enumeration):
 * both paths check the password policy, hash the password (so the timing matches) and queue one email.
 * A new email gets a one-time link that creates the account (`confirmRegistration`); a known one gets
 * "you already have an account: sign in or reset your password". Nothing is created and no session is
 * started here. Emails per address are capped silently (a 429 would reveal that the address is known).
 */
export async function register(env: Env, body: RegisterBody, ctx: RequestContext, returnTo: string | null = null): Promise<void> {
  await countAttempt(env, ipKey("register", ctx.ip), LIMITS.registerPerIp);
  const problem = passwordProblem(body.password, body);
  if (problem) throw new AppError("auth.weak_password", 400, problem, [{ path: "password", message: problem }]);
  const passwordHash = await hashPassword(body.password, passwordCost(env));
  const db = getDb(env.DB);
  const now = Date.now();
  const existing = await db.select({ id: users.id, name: users.name, status: users.status }).from(users).where(eq(users.email, body.email)).get();
  try {
    await countAttempt(env, `register:acct:${body.email}`, LIMITS.registerPerEmail);
  } catch {
    return;
  }
  if (existing) {
    if (existing.status !== "active") return;
    await enqueueEmail(env.EMAIL_QUEUE, {
      id: `account-exists:${existing.id}:${crypto.randomUUID()}`,
      template: "account_exists",
      to: body.email,
      data: { name: existing.name, url: `${ctx.origin}/account/login` },
    });
    return;
  }
  const { token, hash } = await newOpaqueToken();
  await db.batch([
    // Links nobody followed keep a password hash: they go once they expire, whoever signs up next.
    db.delete(pendingRegistrations).where(lt(pendingRegistrations.expiresAt, now)),
    db.insert(pendingRegistrations).values({
      tokenHash: hash,
      email: body.email,
      name: body.name,
      passwordHash,
      returnTo,
      expiresAt: now + REGISTRATION_TTL_HOURS * 3_600_000,
    }),
  ]);
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `register:${hash}`,
    template: "finish_registration",
    to: body.email,
    data: { name: body.name, url: `${ctx.origin}/account/finish-sign-up?token=${token}`, expiresInHours: REGISTRATION_TTL_HOURS },
  });
}

/**
 * Follows a sign-up's emailed link: creates the customer account with its email verified (the link
 * proved the mailbox) and signs it in. The link works once (claimed in one guarded UPDATE, so two
 * clicks at once create one account) and for 24 hours; every other pending link for the address ends
 * with it. An address that got an account meanwhile (another link, OAuth) answers 409: whoever holds
 * this link owns the mailbox, so saying so reveals nothing.
 */
export async function confirmRegistration(
  env: Env,
  token: string,
  ctx: RequestContext,
): Promise<{ user: UserRow; session: IssuedSession; returnTo: string | null }> {
  const db = getDb(env.DB);
  const now = Date.now();
  const row = await db
    .update(pendingRegistrations)
    .set({ usedAt: now })
    .where(and(eq(pendingRegistrations.tokenHash, await hashOpaqueToken(token)), isNull(pendingRegistrations.usedAt)))
    .returning()
    .get();
  if (!row || row.expiresAt <= now) {
    throw new AppError("auth.invalid_token", 400, "This link is invalid, used or expired. Sign up again for a new one.", [
      { path: "token", message: "Invalid or expired" },
    ]);
  }
  const [inserted] = await db.batch([
    db
      .insert(users)
      .values({
        id: newId("usr"),
        email: row.email,
        name: row.name,
        passwordHash: row.passwordHash,
        role: "customer",
        emailVerifiedAt: new Date(now).toISOString(),
      })
      .onConflictDoNothing({ target: users.email })
      .returning(),
    db.delete(pendingRegistrations).where(eq(pendingRegistrations.email, row.email)),
  ]);
  const user = inserted[0];
  if (!user) {
    throw new AppError("auth.email_taken", 409, "This email already has an account. Sign in, or reset your password if you forgot it.", [
      { path: "email", message: "Already has an account" },
    ]);
  }
  await enqueueEmail(env.EMAIL_QUEUE, { id: `welcome:${user.id}`, template: "welcome", to: user.email, data: { name: user.name } });
  return { user, session: await startSession(env, user, ctx), returnTo: row.returnTo };
}
