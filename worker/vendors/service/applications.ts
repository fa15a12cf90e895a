import { and, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { setMarketplaceRole } from "../../accounts";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { bumpCacheVersion } from "../../lib/cache-version";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { enqueueEmail } from "../../notifications";
import type { AdminVendorPage, AdminVendorQuery, AdminVendorView, VendorApplicationBody, VendorMemberView, VendorView } from "../schema";
import { type VendorStatus, vendorMembers, vendors } from "../tables";

type VendorRow = typeof vendors.$inferSelect;

/** The fields members and staff see; payout details stay with the payouts screens. */
export function toVendorView(row: VendorRow): VendorView {
  return {
    id: row.id,
    handle: row.handle,
    name: row.name,
    status: row.status,
    statusReason: row.statusReason,
    contactEmail: row.contactEmail,
    contactPhone: row.contactPhone,
    country: row.country,
    description: row.description,
    about: row.about,
    bannerUrl: row.bannerUrl,
    createdAt: row.createdAt,
    approvedAt: row.approvedAt,
  };
}

const handleTaken = () =>
  new AppError("vendors.handle_taken", 409, "Another seller already uses this address.", [{ path: "handle", message: "This address is taken; pick another" }]);
const alreadyApplied = () => new AppError("vendors.already_applied", 409, "Your account already belongs to a seller or has an application.");

/**
 * A signed-in user's application to sell: a `pending` vendor with the user as its `owner` member, and the
 * "received" email to the contact address. A user belongs to at most one vendor and a handle is unique; both
 * are unique indexes, so of two concurrent applications exactly one commits and the other gets a 409.
 */
export async function applyToSell(env: Env, userId: string, body: VendorApplicationBody, origin: string): Promise<VendorView> {
  const db = getDb(env.DB);
  const [member, sameHandle] = await db.batch([
    db.select({ vendorId: vendorMembers.vendorId }).from(vendorMembers).where(eq(vendorMembers.userId, userId)),
    db.select({ id: vendors.id }).from(vendors).where(eq(vendors.handle, body.handle)),
  ]);
  if (member.length) throw alreadyApplied();
  if (sameHandle.length) throw handleTaken();
  const id = newId("ven");
  try {
    await db.batch([
      db.insert(vendors).values({
        id,
        handle: body.handle,
        name: body.name,
        status: "pending",
        contactEmail: body.contactEmail,
        contactPhone: body.contactPhone ?? null,
        country: body.country,
        description: body.description,
      }),
      db.insert(vendorMembers).values({ vendorId: id, userId, role: "owner" }),
    ]);
  } catch (error) {
    const text = String((error as { cause?: unknown }).cause ?? error);
    if (text.includes("vendors.handle")) throw handleTaken();
    if (text.includes("vendor_members.user_id") || text.includes("vendor_members.vendor_id")) throw alreadyApplied();
    throw error;
  }
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `vendor_update:${id}:received`,
    template: "vendor_update",
    to: body.contactEmail,
    data: { step: "received", vendorName: body.name, reason: null, url: `${origin}/sell` },
  });
  return vendorById(env, id);
}

/** The vendor `userId` belongs to (whatever its status), or null: what `/sell` shows a returning applicant. */
export async function myVendorApplication(env: Env, userId: string): Promise<VendorView | null> {
  const db = getDb(env.DB);
  const row = await db
    .select({ vendor: vendors })
    .from(vendorMembers)
    .innerJoin(vendors, eq(vendors.id, vendorMembers.vendorId))
    .where(eq(vendorMembers.userId, userId))
    .get();
  return row ? toVendorView(row.vendor) : null;
}

/** One vendor by id; 404 `vendors.not_found`. */
export async function vendorById(env: Env, id: string): Promise<VendorView> {
  const row = await getDb(env.DB).select().from(vendors).where(eq(vendors.id, id)).get();
  if (!row) throw new AppError("vendors.not_found", 404, "No such vendor.");
  return toVendorView(row);
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** Vendors for staff, newest first: by status and by part of the name, handle or contact email. */
export async function listVendorsForAdmin(env: Env, query: AdminVendorQuery): Promise<AdminVendorPage> {
  const db = getDb(env.DB);
  const where: SQL[] = [];
  if (query.status) where.push(eq(vendors.status, query.status));
  const q = query.q?.trim().toLowerCase();
  if (q) {
    const pattern = `%${escapeLike(q)}%`;
    const text = or(
      sql`lower(${vendors.name}) like ${pattern} escape '\\'`,
      sql`${vendors.handle} like ${pattern} escape '\\'`,
      sql`lower(${vendors.contactEmail}) like ${pattern} escape '\\'`,
    );
    if (text) where.push(text);
  }
  const cond = where.length ? and(...where) : undefined;
  const [rows, [count]] = await db.batch([
    db
      .select({
        id: vendors.id,
        handle: vendors.handle,
        name: vendors.name,
        status: vendors.status,
        contactEmail: vendors.contactEmail,
        country: vendors.country,
        createdAt: vendors.createdAt,
      })
      .from(vendors)
      .where(cond)
      .orderBy(desc(vendors.createdAt), desc(vendors.id))
      .limit(query.perPage)
      .offset((query.page - 1) * query.perPage),
    db.select({ n: sql<number>`count(*)` }).from(vendors).where(cond),
  ]);
  return { items: rows, total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

/** The members of a vendor with their names and emails, owners first. */
export async function listVendorMembers(env: Env, vendorId: string): Promise<VendorMemberView[]> {
  return getDb(env.DB)
    .select({ userId: vendorMembers.userId, name: users.name, email: users.email, role: vendorMembers.role, createdAt: vendorMembers.createdAt })
    .from(vendorMembers)
    .innerJoin(users, eq(users.id, vendorMembers.userId))
    .where(eq(vendorMembers.vendorId, vendorId))
    .orderBy(sql`${vendorMembers.role} <> 'owner'`, vendorMembers.createdAt)
    .all();
}

/** One vendor for staff, with its members. */
export async function adminVendorDetail(env: Env, id: string): Promise<AdminVendorView> {
  const vendor = await vendorById(env, id);
  return { ...vendor, members: await listVendorMembers(env, id) };
}

type Step = "approved" | "rejected" | "suspended" | "reinstated";
const TRANSITIONS: Record<Step, { from: VendorStatus; to: VendorStatus; action: string }> = {
  approved: { from: "pending", to: "active", action: "vendor.approve" },
  rejected: { from: "pending", to: "rejected", action: "vendor.reject" },
  suspended: { from: "active", to: "suspended", action: "vendor.suspend" },
  reinstated: { from: "suspended", to: "active", action: "vendor.reinstate" },
};

/**
 * Moves a vendor one step of its lifecycle. The update only applies from the expected status and its audit
 * row only commits with it (`changes() = 1` in the same batch), so two staff clicking at once make one change,
 * one audit entry and one email; the loser gets a 409.
 */
async function moveVendor(env: Env, actor: AuditActor, id: string, step: Step, reason: string | null, origin: string): Promise<AdminVendorView> {
  const rule = TRANSITIONS[step];
  const before = await vendorById(env, id);
  if (before.status !== rule.from) {
    throw new AppError("vendors.wrong_status", 409, `This vendor is ${before.status}; only a ${rule.from} vendor can be ${step}.`);
  }
  const now = new Date().toISOString();
  const after = { status: rule.to, statusReason: reason };
  const [update] = await runBatch(env.DB, [
    env.DB.prepare(
      `UPDATE vendors SET status = ?1, status_reason = ?2, updated_at = ?3, approved_at = CASE WHEN ?4 THEN coalesce(approved_at, ?3) ELSE approved_at END
        WHERE id = ?5 AND status = ?6`,
    ).bind(rule.to, reason, now, step === "approved" ? 1 : 0, id, rule.from),
    env.DB.prepare(
      `INSERT INTO audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
       SELECT ?1, ?2, ?3, ?4, 'vendor', ?5, ?6, ?7, ?8 WHERE changes() = 1`,
    ).bind(
      newId("aud"),
      actor.actorId,
      actor.actorEmail,
      rule.action,
      id,
      JSON.stringify({ status: before.status, statusReason: before.statusReason }),
      JSON.stringify(after),
      actor.requestId,
    ),
  ]);
  // D1 counts the rows the search-index triggers change too (migration 0028): none at all means the guard failed.
  if (changesOf(update) === 0) throw new AppError("vendors.wrong_status", 409, "Someone else changed this vendor meanwhile; reload it.");
  // The search index followed the status in the same statement (migration 0028's triggers); every cached
  // product page, listing and cart fact of this seller is old now.
  if (step !== "rejected") await bumpCacheVersion(env.DB);
  // Members get the vendor role so the front door admits them to /vendor. It stays after a suspension (the
  // panel reads but cannot write) and goes back to customer only when someone leaves a vendor.
  if (step === "approved") {
    for (const member of await listVendorMembers(env, id)) await setMarketplaceRole(env, member.userId, "vendor");
  }
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: newId("eml"),
    template: "vendor_update",
    to: before.contactEmail,
    data: { step, vendorName: before.name, reason, url: step === "rejected" ? `${origin}/sell` : `${origin}/vendor` },
  });
  return adminVendorDetail(env, id);
}

/** Approves a pending application (audited, emailed); its members get the `vendor` role and sign in again. */
export function approveVendor(env: Env, actor: AuditActor, id: string, origin: string) {
  return moveVendor(env, actor, id, "approved", null, origin);
}

/** Declines a pending application with the reason the applicant reads (audited, emailed). */
export function rejectVendor(env: Env, actor: AuditActor, id: string, reason: string, origin: string) {
  return moveVendor(env, actor, id, "rejected", reason, origin);
}

/** Suspends an active vendor (audited, emailed): its products leave the store and its panel turns read-only. */
export function suspendVendor(env: Env, actor: AuditActor, id: string, reason: string, origin: string) {
  return moveVendor(env, actor, id, "suspended", reason, origin);
}

/** Reinstates a suspended vendor (audited, emailed): its products return to the store. */
export function reinstateVendor(env: Env, actor: AuditActor, id: string, origin: string) {
  return moveVendor(env, actor, id, "reinstated", null, origin);
}
