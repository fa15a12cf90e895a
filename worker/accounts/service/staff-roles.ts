import { eq, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { DEFAULT_ROLE_PERMISSIONS, PERMISSIONS, type Permission, type Role } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { StaffRole, StaffRoleBody, StaffRoleList } from "../schema";
import { staffRoleMembers, staffRoles, users } from "../tables";

/** Account roles whose holders work in the back office and so may hold an editable staff role. */
export const BACK_OFFICE_ROLES: readonly Role[] = ["admin", "support"];

const BUILT_IN: { id: Role; name: string; description: string }[] = [
  { id: "admin", name: "Admin (built-in)", description: "Every permission. Staff with the admin account role and no other staff role." },
  { id: "support", name: "Support (built-in)", description: "The help desk. Staff with the support account role and no other staff role." },
];

/** The stored JSON list, keeping only names this version knows (a removed permission grants nothing). */
export function parsePermissions(stored: string | null | undefined): Permission[] {
  if (!stored) return [];
  try {
    const list = JSON.parse(stored) as unknown;
    return Array.isArray(list) ? PERMISSIONS.filter((p) => list.includes(p)) : [];
  } catch {
    return [];
  }
}

/** Stored in `PERMISSIONS` order, so equal sets compare equal in the audit log. */
const storedPermissions = (list: readonly Permission[]) => JSON.stringify(PERMISSIONS.filter((p) => list.includes(p)));

/**
 * The permissions a user's editable staff role grants, or undefined when they hold none (or are not
 * back-office staff): then the built-in defaults of their account role apply.
 */
export function resolvedPermissions(role: Role, staffRolePermissions: string | null | undefined): Permission[] | undefined {
  if (staffRolePermissions == null || !BACK_OFFICE_ROLES.includes(role)) return undefined;
  return parsePermissions(staffRolePermissions);
}

/** The built-in roles (read-only defaults) and every editable staff role with its member count. */
export async function listStaffRoles(env: Env): Promise<StaffRoleList> {
  const db = getDb(env.DB);
  const [rows, builtInCounts] = await db.batch([
    db
      .select({
        id: staffRoles.id,
        name: staffRoles.name,
        description: staffRoles.description,
        permissions: staffRoles.permissions,
        members: sql<number>`(select count(*) from ${staffRoleMembers} where ${staffRoleMembers.roleId} = "staff_roles"."id")`,
      })
      .from(staffRoles)
      .orderBy(sql`lower(${staffRoles.name})`),
    db
      .select({ role: users.role, n: sql<number>`count(*)` })
      .from(users)
      .where(sql`${users.role} in ('admin', 'support') and not exists (select 1 from ${staffRoleMembers} where ${staffRoleMembers.userId} = "users"."id")`)
      .groupBy(users.role),
  ]);
  const counts = new Map(builtInCounts.map((r) => [r.role, r.n]));
  return {
    items: [
      ...BUILT_IN.map((b) => ({ ...b, permissions: [...DEFAULT_ROLE_PERMISSIONS[b.id]], builtIn: true, members: counts.get(b.id) ?? 0 })),
      ...rows.map((r) => ({ ...r, permissions: parsePermissions(r.permissions), builtIn: false })),
    ],
  };
}

/** One editable staff role, or 404 (built-in roles are not editable). */
export async function getStaffRole(env: Env, id: string): Promise<StaffRole> {
  const found = (await listStaffRoles(env)).items.find((r) => r.id === id && !r.builtIn);
  if (!found) throw new AppError("accounts.staff_role_not_found", 404, "No such staff role.");
  return found;
}

function nameTaken(): AppError {
  return new AppError("accounts.staff_role_name_taken", 409, "Another staff role has this name.", [{ path: "name", message: "Already used" }]);
}

async function assertNameFree(env: Env, name: string, exceptId?: string): Promise<void> {
  if (BUILT_IN.some((b) => b.name.toLowerCase() === name.toLowerCase() || b.id === name.toLowerCase())) throw nameTaken();
  const clash = await getDb(env.DB).select({ id: staffRoles.id }).from(staffRoles).where(sql`lower(${staffRoles.name}) = lower(${name})`).get();
  if (clash && clash.id !== exceptId) throw nameTaken();
}

/** Creates an editable staff role, audited. 409 when the name is taken. */
export async function createStaffRole(env: Env, actor: AuditActor, body: StaffRoleBody): Promise<StaffRole> {
  await assertNameFree(env, body.name);
  const id = newId("srole");
  const db = getDb(env.DB);
  const row = { id, name: body.name, description: body.description ?? "", permissions: storedPermissions(body.permissions) };
  try {
    await db.batch([
      db.insert(staffRoles).values(row),
      auditStatement(env.DB, actor, { action: "staff_role.create", entityType: "staff_role", entityId: id, before: null, after: row }),
    ]);
  } catch (err) {
    // Two creations with one name at once: the unique index lets only one in.
    if (String(err).includes("UNIQUE")) throw nameTaken();
    throw err;
  }
  return getStaffRole(env, id);
}

/**
 * Renames a staff role or replaces its permissions, audited. Its members' next request already sees the
 * new permissions (they are resolved with the session on every request).
 */
export async function updateStaffRole(env: Env, actor: AuditActor, id: string, body: StaffRoleBody): Promise<StaffRole> {
  const db = getDb(env.DB);
  const before = await db.select().from(staffRoles).where(eq(staffRoles.id, id)).get();
  if (!before) throw new AppError("accounts.staff_role_not_found", 404, "No such staff role.");
  await assertNameFree(env, body.name, id);
  const after = { name: body.name, description: body.description ?? before.description, permissions: storedPermissions(body.permissions) };
  await db.batch([
    db
      .update(staffRoles)
      .set({ ...after, updatedAt: new Date().toISOString() })
      .where(eq(staffRoles.id, id)),
    auditStatement(env.DB, actor, {
      action: "staff_role.update",
      entityType: "staff_role",
      entityId: id,
      before: { name: before.name, description: before.description, permissions: before.permissions },
      after,
    }),
  ]);
  return getStaffRole(env, id);
}

/** Deletes a staff role, audited; its members fall back to their account role's built-in defaults. */
export async function deleteStaffRole(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const before = await db.select().from(staffRoles).where(eq(staffRoles.id, id)).get();
  if (!before) throw new AppError("accounts.staff_role_not_found", 404, "No such staff role.");
  await db.batch([
    db.delete(staffRoleMembers).where(eq(staffRoleMembers.roleId, id)),
    db.delete(staffRoles).where(eq(staffRoles.id, id)),
    auditStatement(env.DB, actor, { action: "staff_role.delete", entityType: "staff_role", entityId: id, before, after: null }),
  ]);
}

/**
 * Gives a staff member an editable staff role (or, with null, the built-in defaults of their account role),
 * audited. Only back-office staff hold one; nobody changes their own (no granting oneself more).
 */
export async function assignStaffRole(env: Env, actor: AuditActor, userId: string, roleId: string | null): Promise<void> {
  if (userId === actor.actorId) throw new AppError("accounts.own_role", 409, "Staff cannot change their own role or permissions.");
  const db = getDb(env.DB);
  const user = await db.select({ role: users.role }).from(users).where(eq(users.id, userId)).get();
  if (!user) throw new AppError("accounts.user_not_found", 404, "No such user.");
  if (!BACK_OFFICE_ROLES.includes(user.role)) {
    throw new AppError("accounts.not_staff", 409, "Only admin or support accounts hold a staff role. Change the account role first.", [
      { path: "roleId", message: "Not a staff account" },
    ]);
  }
  if (roleId !== null && !(await db.select({ id: staffRoles.id }).from(staffRoles).where(eq(staffRoles.id, roleId)).get())) {
    throw new AppError("accounts.staff_role_not_found", 404, "No such staff role.", [{ path: "roleId", message: "Unknown staff role" }]);
  }
  const before = await db.select({ roleId: staffRoleMembers.roleId }).from(staffRoleMembers).where(eq(staffRoleMembers.userId, userId)).get();
  const audit = auditStatement(env.DB, actor, {
    action: "user.staff_role",
    entityType: "user",
    entityId: userId,
    before: { staffRoleId: before?.roleId ?? null },
    after: { staffRoleId: roleId },
  });
  if (roleId === null) await db.batch([db.delete(staffRoleMembers).where(eq(staffRoleMembers.userId, userId)), audit]);
  else
    await db.batch([
      db
        .insert(staffRoleMembers)
        .values({ userId, roleId })
        .onConflictDoUpdate({ target: staffRoleMembers.userId, set: { roleId, assignedAt: new Date().toISOString() } }),
      audit,
    ]);
}

/** The editable staff role a user holds, with its stored permissions, or null. */
export async function staffRoleOf(env: Env, userId: string): Promise<{ id: string; name: string; permissions: string } | null> {
  const row = await getDb(env.DB)
    .select({ id: staffRoles.id, name: staffRoles.name, permissions: staffRoles.permissions })
    .from(staffRoleMembers)
    .innerJoin(staffRoles, eq(staffRoles.id, staffRoleMembers.roleId))
    .where(eq(staffRoleMembers.userId, userId))
    .get();
  return row ?? null;
}
