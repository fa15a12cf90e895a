import { and, eq, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import type { Principal } from "../../lib/context";
import { decryptPii, encryptPii } from "../../lib/pii-crypto";
import type { UpdateProfileBody, User } from "../schema";
import { refreshTokens, users } from "../tables";
import { resolvedPermissions } from "./staff-roles";

export type UserRow = typeof users.$inferSelect;

const phoneContext = (userId: string) => `users.phone:${userId}`;

/** The public shape of a user (phone decrypted). */
export async function toUser(env: Env, row: UserRow): Promise<User> {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    emailVerified: row.emailVerifiedAt !== null,
    phone: row.phoneEnc ? await decryptPii(env.PII_KEYS, row.phoneEnc, phoneContext(row.id)) : null,
    birthday: row.birthday ?? null,
    hasPassword: row.passwordHash !== null,
    createdAt: row.createdAt,
  };
}

/** Changes name, phone and/or birthday. Email and role are not editable here. */
export async function updateProfile(env: Env, userId: string, patch: UpdateProfileBody): Promise<User> {
  const set: Partial<UserRow> = { updatedAt: new Date().toISOString() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.phone !== undefined) set.phoneEnc = patch.phone ? await encryptPii(env.PII_KEYS, patch.phone, phoneContext(userId)) : null;
  if (patch.birthday !== undefined) set.birthday = patch.birthday;
  const row = await getDb(env.DB).update(users).set(set).where(eq(users.id, userId)).returning().get();
  if (!row) throw new AppError("accounts.user_not_found", 404, "No such user.");
  return toUser(env, row);
}

/**
 * Ends every session of a user at once: access tokens issued before now stop
 * working on their next request, and every refresh token is revoked.
 */
export async function revokeAllSessions(env: Env, userId: string, now = Date.now()): Promise<void> {
  const db = getDb(env.DB);
  await db.batch([
    db
      .update(users)
      .set({ sessionsValidAfter: sql`max(${users.sessionsValidAfter}, ${now})` })
      .where(eq(users.id, userId)),
    db.update(refreshTokens).set({ revokedAt: now }).where(sql`${refreshTokens.userId} = ${userId} and ${refreshTokens.revokedAt} is null`),
  ]);
}

/**
 * The few fields of a user that travel with a request (see `Principal`): never the row itself. `permissions`
 * is set when the user holds an editable staff role (its stored JSON list); otherwise the role's defaults apply.
 */
export function principalOf(user: Pick<UserRow, "id" | "email" | "name" | "role">, staffRolePermissions?: string | null): Principal {
  const permissions = resolvedPermissions(user.role, staffRolePermissions);
  return { id: user.id, email: user.email, name: user.name, role: user.role, ...(permissions ? { permissions } : {}) };
}

/** The account row behind a signed-in principal (for the accounts domain only), or 401 when it is gone. */
export async function accountOf(env: Env, principal: Pick<Principal, "id">): Promise<UserRow> {
  const row = await getDb(env.DB).select().from(users).where(eq(users.id, principal.id)).get();
  if (!row) throw new AppError("auth.unauthenticated", 401, "Sign in to continue.");
  return row;
}

/**
 * The addresses of every active admin, each with the admin's id: the recipients of messages meant for
 * "the admins" (low stock, new orders when no staff address is set).
 */
export async function listActiveAdminEmails(env: Env): Promise<{ id: string; email: string }[]> {
  return getDb(env.DB)
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.status, "active")));
}
