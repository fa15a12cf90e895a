import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { listOutboxFor } from "../../worker/notifications";
import { insertUser } from "../support/factories";
import { freshIp, json } from "../support/http";
import { type Caller, passwordSignIn, send, signIn, staffByRole } from "../support/staff";

// Several real scrypt sign-ins per test on a shared machine.
vi.setConfig({ testTimeout: 120_000 });

let callers: Awaited<ReturnType<typeof staffByRole>>;
beforeAll(async () => {
  callers = await staffByRole();
}, 60_000);

let seq = 0;
const application = (overrides: Record<string, unknown> = {}) => {
  seq++;
  return {
    name: `Oak & Iron ${seq}`,
    handle: `oak-and-iron-${seq}`,
    contactEmail: `shop${seq}@example.test`,
    contactPhone: "+1 555 0100",
    country: "us",
    description: "Hand-made oak furniture and iron fittings from a small workshop.",
    ...overrides,
  };
};

/** A fresh customer who signs in with a password (so a test can sign them in again after a role change). */
async function applicant() {
  const user = await insertUser(env.DB);
  const signInAgain = async () => {
    const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
    const body = await json(res);
    return { status: res.status, role: body.user?.role as string | undefined, headers: { Authorization: `Bearer ${body.accessToken}` } };
  };
  const first = await signInAgain();
  return { user, headers: first.headers, signInAgain };
}

async function apply(headers: Record<string, string>, overrides: Record<string, unknown> = {}) {
  const body = application(overrides);
  const res = await send("/api/vendor-applications", "POST", headers, body);
  return { res, body, vendor: res.status === 201 ? await json(res) : null };
}

async function waitForEmail(to: string, count: number) {
  await expect.poll(async () => (await listOutboxFor(env, to, "vendor_update")).length, { timeout: 10_000, interval: 200 }).toBeGreaterThanOrEqual(count);
  return listOutboxFor(env, to, "vendor_update");
}

const audits = (id: string) =>
  env.DB.prepare("SELECT action, actor_id AS actorId, after FROM audit_log WHERE entity_type = 'vendor' AND entity_id = ? ORDER BY at, rowid")
    .bind(id)
    .all<{ action: string; actorId: string; after: string }>()
    .then((r) => r.results);
const decide = (who: Caller, id: string, step: string, body: unknown = {}) => send(`/api/admin/vendors/${id}/${step}`, "POST", who.headers, body);

describe("POST /api/vendor-applications", () => {
  it("creates a pending vendor with the caller as owner, emails the contact address and shows it at /me", async () => {
    const a = await applicant();
    const { res, body, vendor } = await apply(a.headers);
    expect(res.status).toBe(201);
    expect(vendor).toMatchObject({ status: "pending", handle: body.handle, name: body.name, country: "US", contactEmail: body.contactEmail });
    expect(vendor.id).toMatch(/^ven_/);
    const member = await env.DB.prepare("SELECT role FROM vendor_members WHERE vendor_id = ? AND user_id = ?").bind(vendor.id, a.user.id).first();
    expect(member).toEqual({ role: "owner" });
    const mine = await json(await send("/api/vendor-applications/me", "GET", a.headers));
    expect(mine.vendor).toMatchObject({ id: vendor.id, status: "pending" });
    expect((await waitForEmail(body.contactEmail, 1))[0]).toMatchObject({ template: "vendor_update" });
    // Applying does not make anyone a vendor yet.
    expect((await a.signInAgain()).role).toBe("customer");
  });

  it("names every invalid field (400)", async () => {
    const a = await applicant();
    const res = await send("/api/vendor-applications", "POST", a.headers, {
      name: "",
      handle: "No Spaces!",
      contactEmail: "nope",
      country: "USA",
      description: "short",
      extra: 1,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["contactEmail", "country", "description", "handle", "name"]));
  });

  it("answers 401 to anonymous callers", async () => {
    expect((await send("/api/vendor-applications", "POST", {}, application())).status).toBe(401);
    expect((await send("/api/vendor-applications/me", "GET", {})).status).toBe(401);
  });

  it("refuses a taken handle and a second application by the same account (409)", async () => {
    const a = await applicant();
    const b = await applicant();
    const first = await apply(a.headers);
    expect(first.res.status).toBe(201);
    const again = await apply(a.headers);
    expect(again.res.status).toBe(409);
    expect((await json(again.res)).code).toBe("vendors.already_applied");
    const taken = await apply(b.headers, { handle: first.body.handle.toUpperCase() });
    expect(taken.res.status).toBe(409);
    expect(await json(taken.res)).toMatchObject({ code: "vendors.handle_taken", errors: [{ path: "handle" }] });
  });

  it("lets exactly one of two concurrent applications for one handle through", async () => {
    const [a, b] = await Promise.all([applicant(), applicant()]);
    const handle = `race-${Date.now()}`;
    const results = await Promise.all([apply(a.headers, { handle }), apply(b.headers, { handle })]);
    expect(results.map((r) => r.res.status).sort()).toEqual([201, 409]);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM vendors WHERE handle = ?").bind(handle).first<{ n: number }>();
    expect(n?.n).toBe(1);
  });
});

describe("reviewing applications: /api/admin/vendors", () => {
  it("lists by status and search for staff; customers and vendors get 403, anonymous 401", async () => {
    const a = await applicant();
    const { vendor, body } = await apply(a.headers);
    const pending = await json(await send("/api/admin/vendors?status=pending", "GET", callers.admin.headers));
    expect(pending.items.map((v: { id: string }) => v.id)).toContain(vendor.id);
    expect(pending.items.every((v: { status: string }) => v.status === "pending")).toBe(true);
    const byName = await json(await send(`/api/admin/vendors?q=${encodeURIComponent(body.handle)}`, "GET", callers.support.headers));
    expect(byName).toMatchObject({ total: 1, items: [{ id: vendor.id }] });
    const detail = await json(await send(`/api/admin/vendors/${vendor.id}`, "GET", callers.admin.headers));
    expect(detail.members).toEqual([expect.objectContaining({ userId: a.user.id, role: "owner", email: a.user.email })]);
    expect((await send("/api/admin/vendors?status=open", "GET", callers.admin.headers)).status).toBe(400);
    expect((await send("/api/admin/vendors/ven_nope", "GET", callers.admin.headers)).status).toBe(404);
    expect((await send("/api/admin/vendors", "GET", callers.customer.headers)).status).toBe(403);
    expect((await send("/api/admin/vendors", "GET", callers.vendor.headers)).status).toBe(403);
    expect((await send("/api/admin/vendors", "GET", {})).status).toBe(401);
  });

  it("approves: audited, emailed, and the owner signs in again as a vendor", async () => {
    const a = await applicant();
    const { vendor, body } = await apply(a.headers);
    // Support staff read applications but lack the vendors permission.
    expect((await decide(callers.support, vendor.id, "approve")).status).toBe(403);
    const res = await decide(callers.admin, vendor.id, "approve");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: vendor.id, status: "active", approvedAt: expect.any(String) });
    expect(await audits(vendor.id)).toEqual([expect.objectContaining({ action: "vendor.approve", actorId: callers.admin.id })]);
    const again = await a.signInAgain();
    expect(again.role).toBe("vendor");
    // The old session ended with the role change (the role travels in the token).
    expect((await send("/api/vendor-applications/me", "GET", a.headers)).status).toBe(401);
    const mails = await waitForEmail(body.contactEmail, 2);
    expect(mails).toHaveLength(2);
    // Approving twice is a conflict, not a second change.
    expect((await decide(callers.admin, vendor.id, "approve")).status).toBe(409);
  });

  it("rejects with a reason (400 without one), and a rejected application cannot be approved", async () => {
    const a = await applicant();
    const { vendor } = await apply(a.headers);
    const noReason = await decide(callers.admin, vendor.id, "reject", { reason: "" });
    expect(noReason.status).toBe(400);
    expect((await json(noReason)).errors[0].path).toBe("reason");
    const res = await decide(callers.admin, vendor.id, "reject", { reason: "We only list furniture makers for now." });
    expect(await json(res)).toMatchObject({ status: "rejected", statusReason: "We only list furniture makers for now." });
    expect((await decide(callers.admin, vendor.id, "approve")).status).toBe(409);
    expect((await a.signInAgain()).role).toBe("customer");
    expect((await audits(vendor.id)).map((e) => e.action)).toEqual(["vendor.reject"]);
  });

  it("suspends with a reason and reinstates, each audited and emailed; only from the right status", async () => {
    const a = await applicant();
    const { vendor, body } = await apply(a.headers);
    expect((await decide(callers.admin, vendor.id, "suspend", { reason: "Pending review of complaints." })).status).toBe(409);
    await decide(callers.admin, vendor.id, "approve");
    const suspended = await json(await decide(callers.admin, vendor.id, "suspend", { reason: "Pending review of complaints." }));
    expect(suspended).toMatchObject({ status: "suspended", statusReason: "Pending review of complaints." });
    const reinstated = await json(await decide(callers.admin, vendor.id, "reinstate"));
    expect(reinstated).toMatchObject({ status: "active", statusReason: null });
    expect((await audits(vendor.id)).map((e) => e.action)).toEqual(["vendor.approve", "vendor.suspend", "vendor.reinstate"]);
    expect(await waitForEmail(body.contactEmail, 4)).toHaveLength(4);
    expect((await send("/api/admin/vendors/ven_nope/approve", "POST", callers.admin.headers, {})).status).toBe(404);
  });

  it("makes one change, one audit entry and one email when two admins approve at once", async () => {
    const a = await applicant();
    const { vendor, body } = await apply(a.headers);
    const other = await signIn("admin");
    const results = await Promise.all([decide(callers.admin, vendor.id, "approve"), decide(other, vendor.id, "approve")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await audits(vendor.id)).toHaveLength(1);
    await waitForEmail(body.contactEmail, 2);
    // Give a stray second message time to land before counting.
    await new Promise((r) => setTimeout(r, 500));
    expect(await listOutboxFor(env, body.contactEmail, "vendor_update")).toHaveLength(2);
  });
});
