import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { hashOpaqueToken, setMarketplaceRole } from "../../accounts";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import { type AuditActor, actorFor, auditStatement, auditStatementIfChanged } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { enqueueEmail } from "../../notifications";
import type { InvitationAccepted, InviteMemberBody, VendorInvitationView, VendorTeam } from "../schema";
import { type VendorMemberRole, vendorInvitations, vendorMembers, vendors } from "../tables";
import { listVendorMembers, vendorById } from "./applications";

/** How long an invitation link works. */
export const INVITATION_DAYS = 7;

/** The people who work for a vendor and the invitations not yet accepted, revoked or expired. */
export async function vendorTeam(env: Env, vendorId: string): Promise<VendorTeam> {
  const now = new Date().toISOString();
  const invitations: VendorInvitationView[] = await getDb(env.DB)
    .select({
      id: vendorInvitations.id,
      email: vendorInvitations.email,
      role: vendorInvitations.role,
      createdAt: vendorInvitations.createdAt,
      expiresAt: vendorInvitations.expiresAt,
    })
    .from(vendorInvitations)
    .where(
      and(
        eq(vendorInvitations.vendorId, vendorId),
        isNull(vendorInvitations.acceptedAt),
        isNull(vendorInvitations.revokedAt),
        gt(vendorInvitations.expiresAt, now),
      ),
    )
    .orderBy(vendorInvitations.createdAt)
    .all();
  return { members: await listVendorMembers(env, vendorId), invitations };
}

/**
 * An owner invites `body.email` to the vendor with a member role: an invitation row (only the token's hash is
 * kept), its `vendor.member_invite` audit entry in the same batch, and the `vendor_invitation` email with the
 * signed link. Inviting an address again replaces the open invitation (the old link stops working); an address
 * that already works here is a 409.
 */
export async function inviteMember(
  env: Env,
  actor: AuditActor,
  vendorId: string,
  inviter: { id: string; name: string },
  body: InviteMemberBody,
  origin: string,
): Promise<VendorTeam> {
  const db = getDb(env.DB);
  const vendor = await vendorById(env, vendorId);
  const existing = await db
    .select({ userId: vendorMembers.userId })
    .from(vendorMembers)
    .innerJoin(users, eq(users.id, vendorMembers.userId))
    .where(and(eq(vendorMembers.vendorId, vendorId), sql`lower(${users.email}) = ${body.email}`))
    .get();
  if (existing) throw new AppError("vendors.already_member", 409, "This person already works for your shop.", [{ path: "email", message: "Already a member" }]);
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const now = new Date();
  const id = newId("vinv");
  await runBatch(env.DB, [
    db
      .update(vendorInvitations)
      .set({ revokedAt: now.toISOString() })
      .where(
        and(
          eq(vendorInvitations.vendorId, vendorId),
          eq(vendorInvitations.email, body.email),
          isNull(vendorInvitations.acceptedAt),
          isNull(vendorInvitations.revokedAt),
        ),
      ),
    db.insert(vendorInvitations).values({
      id,
      vendorId,
      email: body.email,
      role: body.role,
      tokenHash: await hashOpaqueToken(token),
      invitedBy: inviter.id,
      expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString(),
    }),
    auditStatement(env.DB, actor, {
      action: "vendor.member_invite",
      entityType: "vendor",
      entityId: vendorId,
      after: { invitationId: id, email: body.email, role: body.role },
    }),
  ]);
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `vendor_invitation:${id}`,
    template: "vendor_invitation",
    to: body.email,
    data: { vendorName: vendor.name, inviter: inviter.name, role: body.role, url: `${origin}/sell/join?token=${token}`, expiresInDays: INVITATION_DAYS },
  });
  return vendorTeam(env, vendorId);
}

/** Withdraws an open invitation of the caller's vendor (audited as `vendor.invitation_revoke`); another vendor's invitation is a 404. */
export async function revokeInvitation(env: Env, actor: AuditActor, vendorId: string, invitationId: string): Promise<VendorTeam> {
  const open = await getDb(env.DB)
    .select({ email: vendorInvitations.email, role: vendorInvitations.role })
    .from(vendorInvitations)
    .where(and(eq(vendorInvitations.id, invitationId), eq(vendorInvitations.vendorId, vendorId)))
    .get();
  const [result] = await runBatch(env.DB, [
    env.DB.prepare("UPDATE vendor_invitations SET revoked_at = ?1 WHERE id = ?2 AND vendor_id = ?3 AND accepted_at IS NULL AND revoked_at IS NULL").bind(
      new Date().toISOString(),
      invitationId,
      vendorId,
    ),
    // Only the request whose UPDATE withdrew the invitation writes the entry (two owners at once: one entry).
    auditStatementIfChanged(env.DB, actor, {
      action: "vendor.invitation_revoke",
      entityType: "vendor",
      entityId: vendorId,
      before: { invitationId, email: open?.email ?? null, role: open?.role ?? null },
    }),
  ]);
  if (changesOf(result) !== 1) throw new AppError("vendors.invitation_not_found", 404, "No such open invitation.");
  return vendorTeam(env, vendorId);
}

/**
 * The signed-in user accepts an invitation with the token from the emailed link. The account's email must be
 * the invited address; an account belongs to at most one vendor. Marking the invitation used and adding the
 * member commit together with a `vendor.member_join` audit entry, and the mark only applies once
 * (`accepted_at IS NULL`), so the same link used twice (or twice at once) adds one member and one entry. The
 * new member gets the `vendor` role when the vendor is active (their sessions end, they sign in again).
 * `actor` carries the request id; without one the entry names the user alone.
 */
export async function acceptInvitation(
  env: Env,
  user: { id: string; email: string },
  token: string,
  actor: AuditActor = actorFor(user, null),
): Promise<InvitationAccepted> {
  const db = getDb(env.DB);
  const invitation = await db
    .select()
    .from(vendorInvitations)
    .where(eq(vendorInvitations.tokenHash, await hashOpaqueToken(token)))
    .get();
  const usable = invitation && !invitation.acceptedAt && !invitation.revokedAt && invitation.expiresAt > new Date().toISOString();
  if (!invitation || !usable) throw new AppError("vendors.invitation_invalid", 404, "This invitation link has expired, was withdrawn or was already used.");
  if (invitation.email !== user.email.toLowerCase()) {
    throw new AppError("vendors.invitation_other_email", 403, `This invitation is for ${invitation.email}; sign in with that address to accept it.`);
  }
  const member = await db.select({ vendorId: vendorMembers.vendorId }).from(vendorMembers).where(eq(vendorMembers.userId, user.id)).get();
  if (member) throw new AppError("vendors.already_applied", 409, "Your account already belongs to a seller.");
  const now = new Date().toISOString();
  try {
    const [mark] = await runBatch(env.DB, [
      env.DB.prepare("UPDATE vendor_invitations SET accepted_at = ?1, accepted_by = ?2 WHERE id = ?3 AND accepted_at IS NULL AND revoked_at IS NULL").bind(
        now,
        user.id,
        invitation.id,
      ),
      env.DB.prepare("INSERT INTO vendor_members (vendor_id, user_id, role, created_at) SELECT ?1, ?2, ?3, ?4 WHERE changes() = 1").bind(
        invitation.vendorId,
        user.id,
        invitation.role,
        now,
      ),
      auditStatementIfChanged(env.DB, actor, {
        action: "vendor.member_join",
        entityType: "vendor",
        entityId: invitation.vendorId,
        after: { userId: user.id, email: invitation.email, role: invitation.role, invitationId: invitation.id },
      }),
    ]);
    if (changesOf(mark) !== 1) throw new AppError("vendors.invitation_invalid", 404, "This invitation link was already used.");
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (String((error as { cause?: unknown }).cause ?? error).includes("vendor_members"))
      throw new AppError("vendors.already_applied", 409, "Your account already belongs to a seller.");
    throw error;
  }
  const vendor = await vendorById(env, invitation.vendorId);
  if (vendor.status === "active" || vendor.status === "suspended") await setMarketplaceRole(env, user.id, "vendor");
  return { vendor, role: invitation.role };
}

const lastOwner = () => new AppError("vendors.last_owner", 409, "A shop always keeps at least one owner: make someone else owner first.");

/** The member `userId` of `vendorId` (their email for the audit entry), or a 404 for anyone else. */
async function memberOf(env: Env, vendorId: string, userId: string): Promise<{ role: VendorMemberRole; email: string }> {
  const row = await getDb(env.DB)
    .select({ role: vendorMembers.role, email: users.email })
    .from(vendorMembers)
    .innerJoin(users, eq(users.id, vendorMembers.userId))
    .where(and(eq(vendorMembers.vendorId, vendorId), eq(vendorMembers.userId, userId)))
    .get();
  if (!row) throw new AppError("vendors.member_not_found", 404, "No such member.");
  return row;
}

/**
 * Changes a member's role (audited as `vendor.member_role`). Demoting an owner only applies while another owner
 * remains: the check is inside the UPDATE, so two owners demoting each other at once leave one owner, and the
 * audit entry is written only by the statement that changed the row.
 */
export async function changeMemberRole(env: Env, actor: AuditActor, vendorId: string, userId: string, role: VendorMemberRole): Promise<VendorTeam> {
  const before = await memberOf(env, vendorId, userId);
  const [result] = await runBatch(env.DB, [
    env.DB.prepare(
      `UPDATE vendor_members SET role = ?1 WHERE vendor_id = ?2 AND user_id = ?3
         AND (role <> 'owner' OR ?1 = 'owner' OR (SELECT count(*) FROM vendor_members WHERE vendor_id = ?2 AND role = 'owner') > 1)`,
    ).bind(role, vendorId, userId),
    auditStatementIfChanged(env.DB, actor, {
      action: "vendor.member_role",
      entityType: "vendor",
      entityId: vendorId,
      before: { userId, email: before.email, role: before.role },
      after: { userId, email: before.email, role },
    }),
  ]);
  if (changesOf(result) !== 1) {
    await memberOf(env, vendorId, userId);
    throw lastOwner();
  }
  return vendorTeam(env, vendorId);
}

/**
 * Removes a member (never the last owner, checked inside the DELETE; audited as `vendor.member_remove`). The
 * person goes back to the `customer` role and their sessions end.
 */
export async function removeMember(env: Env, actor: AuditActor, vendorId: string, userId: string): Promise<VendorTeam> {
  const before = await memberOf(env, vendorId, userId);
  const [result] = await runBatch(env.DB, [
    env.DB.prepare(
      `DELETE FROM vendor_members WHERE vendor_id = ?1 AND user_id = ?2
         AND (role <> 'owner' OR (SELECT count(*) FROM vendor_members WHERE vendor_id = ?1 AND role = 'owner') > 1)`,
    ).bind(vendorId, userId),
    auditStatementIfChanged(env.DB, actor, {
      action: "vendor.member_remove",
      entityType: "vendor",
      entityId: vendorId,
      before: { userId, email: before.email, role: before.role },
    }),
  ]);
  if (changesOf(result) !== 1) {
    await memberOf(env, vendorId, userId);
    throw lastOwner();
  }
  await setMarketplaceRole(env, userId, "customer");
  return vendorTeam(env, vendorId);
}

/** The vendor of an invitation token, for the accept page to name the shop before the person accepts. */
export async function invitationPreview(env: Env, token: string): Promise<{ vendorName: string; email: string; role: VendorMemberRole } | null> {
  const row = await getDb(env.DB)
    .select({
      vendorName: vendors.name,
      email: vendorInvitations.email,
      role: vendorInvitations.role,
      acceptedAt: vendorInvitations.acceptedAt,
      revokedAt: vendorInvitations.revokedAt,
      expiresAt: vendorInvitations.expiresAt,
    })
    .from(vendorInvitations)
    .innerJoin(vendors, eq(vendors.id, vendorInvitations.vendorId))
    .where(eq(vendorInvitations.tokenHash, await hashOpaqueToken(token)))
    .get();
  if (!row || row.acceptedAt || row.revokedAt || row.expiresAt <= new Date().toISOString()) return null;
  return { vendorName: row.vendorName, email: row.email, role: row.role };
}
