import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { listOutboxFor } from "../../worker/notifications";
import { insertUser } from "../support/factories";
import { json } from "../support/http";
import { send } from "../support/staff";
import { addMember, bearerFor, insertVendor } from "../support/vendors";

vi.setConfig({ testTimeout: 120_000 });

const team = (headers: Record<string, string>) => send("/api/vendor/members", "GET", headers);
const invite = (headers: Record<string, string>, email: string, role = "catalog") => send("/api/vendor/members/invitations", "POST", headers, { email, role });
const accept = (headers: Record<string, string>, token: string) => send("/api/vendor-invitations/accept", "POST", headers, { token });

async function invitationToken(email: string): Promise<string> {
  await expect.poll(async () => (await listOutboxFor(env, email, "vendor_invitation")).length, { timeout: 10_000, interval: 200 }).toBeGreaterThan(0);
  const [latest] = await listOutboxFor(env, email, "vendor_invitation");
  const token = latest?.text.match(/\/sell\/join\?token=([A-Za-z0-9_-]+)/)?.[1];
  if (!token) throw new Error("no invitation link in the email");
  return token;
}

describe("GET /api/vendor/members", () => {
  it("shows the owner their team; other member roles get 403, customers 403, anonymous 401", async () => {
    const owner = await insertVendor();
    const catalog = await addMember(owner.vendorId, "catalog");
    const res = await team(owner.headers);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [owner.id, "owner"],
      [catalog.id, "catalog"],
    ]);
    expect((await team(catalog.headers)).status).toBe(403);
    const customer = await insertUser(env.DB);
    expect((await team(await bearerFor(customer))).status).toBe(403);
    expect((await team({})).status).toBe(401);
  });
});

describe("invitations: POST /api/vendor/members/invitations and POST /api/vendor-invitations/accept", () => {
  it("invites by email; the invitee signs in with that address, accepts once and becomes a vendor member", async () => {
    const owner = await insertVendor();
    const invitee = await insertUser(env.DB, { email: `invitee-${Date.now()}@example.test` });
    const res = await invite(owner.headers, invitee.email.toUpperCase(), "orders");
    expect(res.status).toBe(201);
    expect((await json(res)).invitations).toEqual([expect.objectContaining({ email: invitee.email, role: "orders" })]);
    const token = await invitationToken(invitee.email);

    // Someone else signed in cannot use the link.
    const stranger = await insertUser(env.DB);
    expect((await accept(await bearerFor(stranger), token)).status).toBe(403);

    const headers = await bearerFor(invitee);
    const accepted = await accept(headers, token);
    expect(accepted.status).toBe(200);
    expect(await json(accepted)).toMatchObject({ vendor: { id: owner.vendorId }, role: "orders" });
    // Used once: the second use is refused and nothing is added twice.
    expect((await accept(await bearerFor(invitee), token)).status).toBe(404);
    const members = (await json(await team(owner.headers))).members;
    expect(members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toContainEqual([invitee.id, "orders"]);
    expect((await json(await team(owner.headers))).invitations).toEqual([]);
    // The new member's role is vendor after signing in again.
    const me = await json(await send("/api/me", "GET", await bearerFor(invitee)));
    expect(me.role).toBe("vendor");
  });

  it("adds one member when the same link is used twice at once", async () => {
    const owner = await insertVendor();
    const invitee = await insertUser(env.DB, { email: `twice-${Date.now()}@example.test` });
    await invite(owner.headers, invitee.email);
    const token = await invitationToken(invitee.email);
    const [a, b] = [await bearerFor(invitee), await bearerFor(invitee)];
    const results = await Promise.all([accept(a, token), accept(b, token)]);
    // The loser finds the link used (404), or its session already ended with the role change (401).
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([401, 404]).toContain(statuses[1]);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM vendor_members WHERE user_id = ?").bind(invitee.id).first<{ n: number }>();
    expect(n?.n).toBe(1);
  });

  it("validates (400 naming the field), refuses existing members (409), and only owners invite (403)", async () => {
    const owner = await insertVendor();
    const catalog = await addMember(owner.vendorId, "catalog");
    const bad = await send("/api/vendor/members/invitations", "POST", owner.headers, { email: "nope", role: "boss" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["email", "role"]);
    const again = await invite(owner.headers, catalog.email);
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("vendors.already_member");
    expect((await invite(catalog.headers, "someone@example.test")).status).toBe(403);
    expect((await accept(owner.headers, "not-a-real-token-at-all")).status).toBe(404);
  });

  it("a re-sent invitation replaces the old link; a withdrawn one stops working; another vendor's invitation is 404", async () => {
    const owner = await insertVendor();
    const other = await insertVendor();
    const invitee = await insertUser(env.DB, { email: `resend-${Date.now()}@example.test` });
    const first = await json(await invite(owner.headers, invitee.email));
    const oldToken = await invitationToken(invitee.email);
    await invite(owner.headers, invitee.email, "finance");
    await expect.poll(async () => (await listOutboxFor(env, invitee.email, "vendor_invitation")).length, { timeout: 10_000, interval: 200 }).toBe(2);
    expect((await accept(await bearerFor(invitee), oldToken)).status).toBe(404);
    const open = (await json(await team(owner.headers))).invitations;
    expect(open).toHaveLength(1);
    expect(open[0].id).not.toBe(first.invitations[0].id);
    expect((await send(`/api/vendor/members/invitations/${open[0].id}`, "DELETE", other.headers)).status).toBe(404);
    expect((await send(`/api/vendor/members/invitations/${open[0].id}`, "DELETE", owner.headers)).status).toBe(200);
    expect((await accept(await bearerFor(invitee), await invitationToken(invitee.email))).status).toBe(404);
  });
});

describe("PATCH and DELETE /api/vendor/members/{userId}", () => {
  it("changes roles and removes members; removed members are customers again; never the last owner", async () => {
    const owner = await insertVendor();
    const teammate = await addMember(owner.vendorId, "catalog");
    const promoted = await send(`/api/vendor/members/${teammate.id}`, "PATCH", owner.headers, { role: "finance" });
    expect(promoted.status).toBe(200);
    expect((await json(promoted)).members).toContainEqual(expect.objectContaining({ userId: teammate.id, role: "finance" }));
    expect((await send(`/api/vendor/members/${owner.id}`, "PATCH", owner.headers, { role: "catalog" })).status).toBe(409);
    const lastOwner = await send(`/api/vendor/members/${owner.id}`, "DELETE", owner.headers);
    expect(lastOwner.status).toBe(409);
    expect((await json(lastOwner)).code).toBe("vendors.last_owner");
    expect((await send(`/api/vendor/members/${teammate.id}`, "PATCH", owner.headers, { role: "king" })).status).toBe(400);
    const removed = await send(`/api/vendor/members/${teammate.id}`, "DELETE", owner.headers);
    expect(removed.status).toBe(200);
    expect((await json(removed)).members.map((m: { userId: string }) => m.userId)).toEqual([owner.id]);
    const role = await env.DB.prepare("SELECT role FROM users WHERE id = ?").bind(teammate.id).first<{ role: string }>();
    expect(role?.role).toBe("customer");
    expect((await send(`/api/vendor/members/${teammate.id}`, "DELETE", owner.headers)).status).toBe(404);
  });

  it("another vendor's member is 404, and two owners demoting each other at once leave one owner", async () => {
    const a = await insertVendor();
    const b = await insertVendor();
    expect((await send(`/api/vendor/members/${b.id}`, "PATCH", a.headers, { role: "catalog" })).status).toBe(404);
    expect((await send(`/api/vendor/members/${b.id}`, "DELETE", a.headers)).status).toBe(404);
    const second = await addMember(a.vendorId, "owner");
    const results = await Promise.all([
      send(`/api/vendor/members/${second.id}`, "PATCH", a.headers, { role: "catalog" }),
      send(`/api/vendor/members/${a.id}`, "PATCH", second.headers, { role: "catalog" }),
    ]);
    // The loser is refused by the last-owner guard (409) or, once demoted, no longer has the owner's rights (403).
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const owners = await env.DB.prepare("SELECT count(*) AS n FROM vendor_members WHERE vendor_id = ? AND role = 'owner'")
      .bind(a.vendorId)
      .first<{ n: number }>();
    expect(owners?.n).toBe(1);
  });
});

describe("the team's audit trail", () => {
  const entries = async (vendorId: string) =>
    (
      await env.DB.prepare(
        `SELECT action, actor_id, before, after FROM audit_log WHERE entity_type = 'vendor' AND entity_id = ?
           AND action IN ('vendor.member_invite', 'vendor.invitation_revoke', 'vendor.member_join', 'vendor.member_role', 'vendor.member_remove') ORDER BY rowid`,
      )
        .bind(vendorId)
        .all<{ action: string; actor_id: string; before: string | null; after: string | null }>()
    ).results;

  it("records who invited, withdrew, joined, changed a role and removed a member, with the member and roles before and after", async () => {
    const owner = await insertVendor();
    const invitee = await insertUser(env.DB, { email: `audited-${Date.now()}@example.test` });
    await invite(owner.headers, "withdrawn@example.test", "finance");
    const withdrawn = (await json(await team(owner.headers))).invitations[0];
    expect((await send(`/api/vendor/members/invitations/${withdrawn.id}`, "DELETE", owner.headers)).status).toBe(200);
    await invite(owner.headers, invitee.email, "orders");
    expect((await accept(await bearerFor(invitee), await invitationToken(invitee.email))).status).toBe(200);
    expect((await send(`/api/vendor/members/${invitee.id}`, "PATCH", owner.headers, { role: "catalog" })).status).toBe(200);
    expect((await send(`/api/vendor/members/${invitee.id}`, "DELETE", owner.headers)).status).toBe(200);

    const log = await entries(owner.vendorId);
    expect(log.map((e) => [e.action, e.actor_id])).toEqual([
      ["vendor.member_invite", owner.id],
      ["vendor.invitation_revoke", owner.id],
      ["vendor.member_invite", owner.id],
      ["vendor.member_join", invitee.id],
      ["vendor.member_role", owner.id],
      ["vendor.member_remove", owner.id],
    ]);
    expect(JSON.parse(log[0]?.after ?? "{}")).toMatchObject({ email: "withdrawn@example.test", role: "finance" });
    expect(JSON.parse(log[1]?.before ?? "{}")).toMatchObject({ invitationId: withdrawn.id, email: "withdrawn@example.test" });
    expect(JSON.parse(log[4]?.before ?? "{}")).toEqual({ userId: invitee.id, email: invitee.email, role: "orders" });
    expect(JSON.parse(log[4]?.after ?? "{}")).toEqual({ userId: invitee.id, email: invitee.email, role: "catalog" });
    expect(JSON.parse(log[5]?.before ?? "{}")).toEqual({ userId: invitee.id, email: invitee.email, role: "catalog" });
  });

  it("writes nothing for a refused change, and one entry when two owners withdraw or remove the same thing at once", async () => {
    const owner = await insertVendor();
    const second = await addMember(owner.vendorId, "owner");
    const teammate = await addMember(owner.vendorId, "finance");
    await invite(owner.headers, "raced@example.test");
    const invitation = (await json(await team(owner.headers))).invitations[0];
    const before = (await entries(owner.vendorId)).length;
    const revokes = await Promise.all([
      send(`/api/vendor/members/invitations/${invitation.id}`, "DELETE", owner.headers),
      send(`/api/vendor/members/invitations/${invitation.id}`, "DELETE", second.headers),
    ]);
    expect(revokes.map((r) => r.status).sort()).toEqual([200, 404]);
    const removals = await Promise.all([
      send(`/api/vendor/members/${teammate.id}`, "DELETE", owner.headers),
      send(`/api/vendor/members/${teammate.id}`, "DELETE", second.headers),
    ]);
    expect(removals.map((r) => r.status).sort()).toEqual([200, 404]);
    // Demoting the last owner is refused and leaves no entry.
    expect((await send(`/api/vendor/members/${second.id}`, "DELETE", owner.headers)).status).toBe(200);
    expect((await send(`/api/vendor/members/${owner.id}`, "PATCH", owner.headers, { role: "finance" })).status).toBe(409);
    const after = (await entries(owner.vendorId)).slice(before).map((e) => e.action);
    expect(after).toEqual(["vendor.invitation_revoke", "vendor.member_remove", "vendor.member_remove"]);
  });
});
