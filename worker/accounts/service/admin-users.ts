import { and, asc, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { getDb } from "../../db/client";
import { permissionsOf } from "../../lib/context";
import { AppError } from "../../lib/errors";
import type { StaffUser, UserList, UserListQuery, UserStatus } from "../schema";
import { type Role, users } from "../tables";
import { BACK_OFFICE_ROLES, staffRoleOf } from "./staff-roles";
import { principalOf, revokeAllSessions, toUser } from "./users";

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** Users for staff: search by email or name (substring), filter by role and status, newest first by default. */
export async function listUsers(env: Env, query: UserListQuery): Promise<UserList> {
  const db = getDb(env.DB);
  const where: SQL[] = [];
  const q = query.q?.trim();
  if (q) {
    const pattern = `%${escapeLike(q.toLowerCase())}%`;
    const text = or(sql`${users.email} like ${pattern} escape '\\'`, sql`lower(${users.name}) like ${pattern} escape '\\'`);
    if (text) where.push(text);
  }
  if (query.role) where.push(eq(users.role, query.role));
  if (query.status) where.push(eq(users.status, query.status));
  const cond = where.length ? and(...where) : undefined;
  const order = query.sort === "email" ? [asc(users.email)] : query.sort === "oldest" ? [asc(users.createdAt)] : [desc(users.createdAt), desc(users.id)];
  const [rows, [count]] = await db.batch([
    db
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        status: users.status,
        emailVerifiedAt: users.emailVerifiedAt,
        createdAt: users.createdAt,
      })
      .from(users)
      .where(cond)
      .orderBy(...order)
      .limit(query.perPage)
      .offset((query.page - 1) * query.perPage),
    db.select({ n: sql<number>`count(*)` }).from(users).where(cond),
  ]);
  return {
    items: rows.map(({ emailVerifiedAt, ...r }) => ({ ...r, emailVerified: emailVerifiedAt !== null })),
    total: count?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

/** One user as staff see it: the public shape plus the account status. */
export async function staffViewOfUser(env: Env, id: string): Promise<StaffUser> {
  const row = await getDb(env.DB).select().from(users).where(eq(users.id, id)).get();
  if (!row) throw new AppError("accounts.user_not_found", 404, "No such user.");
  const staffRole = BACK_OFFICE_ROLES.includes(row.role) ? await staffRoleOf(env, id) : null;
  const principal = principalOf(row, staffRole?.permissions);
  return {
    ...(await toUser(env, row)),
    status: row.status,
    staffRole: staffRole ? { id: staffRole.id, name: staffRole.name } : null,
    permissions: [...permissionsOf(principal)],
  };
}

async function changeUser(env: Env, actor: AuditActor, id: string, set: { role?: Role; status?: UserStatus }, action: string) {
  if (id === actor.actorId) throw new AppError(set.role ? "accounts.own_role" : "accounts.own_status", 409, "Admins cannot change their own role or status.");
  const db = getDb(env.DB);
  const before = await db.select({ role: users.role, status: users.status }).from(users).where(eq(users.id, id)).get();
  if (!before) throw new AppError("accounts.user_not_found", 404, "No such user.");
  const after = { ...before, ...set };
  // The change and its audit entry commit together.
  await db.batch([
    db
      .update(users)
      .set({ ...set, updatedAt: new Date().toISOString() })
      .where(eq(users.id, id)),
    auditStatement(env.DB, actor, { action, entityType: "user", entityId: id, before, after }),
  ]);
  // A new role or a disabled account applies at once: every session ends.
  if (set.role !== undefined || set.status === "disabled") await revokeAllSessions(env, id);
  return staffViewOfUser(env, id);
}

/** Grants an account role (staff with the "customers" permission and a fresh second factor), audited; the user's sessions end so it applies at once. */
export function changeUserRole(env: Env, actor: AuditActor, id: string, role: Role) {
  return changeUser(env, actor, id, { role }, "user.role");
}

/** Disables (sessions end at once) or re-enables an account, audited. */
export function changeUserStatus(env: Env, actor: AuditActor, id: string, status: UserStatus) {
  return changeUser(env, actor, id, { status }, status === "disabled" ? "user.disable" : "user.enable");
}
