import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { cookiesFrom, freshIp, json, postJson } from "../support/http";
import { expectRoleMatrix, passwordSignIn, send, signIn, staffByRole } from "../support/staff";

const ADDRESS = { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };
let callers: Awaited<ReturnType<typeof staffByRole>>;
const auditOf = (userId: string) =>
  env.DB.prepare("select action, actor_id as actorId, before, after from audit_log where entity_type = 'user' and entity_id = ? order by at, id")
    .bind(userId)
    .all<{ action: string; actorId: string; before: string; after: string }>()
    .then((r) => r.results.map((e) => ({ ...e, before: JSON.parse(e.before), after: JSON.parse(e.after) })));

beforeAll(async () => {
  callers = await staffByRole();
  await insertUser(env.DB, { email: "grace.hopper@example.test", name: "Grace Hopper" });
  await insertUser(env.DB, { email: "ada@example.test", name: "Ada Lovelace", role: "vendor" });
}, 30_000);

describe("role matrix for the user routes (support reads, admins write)", () => {
  it("lets admin and support read, only admins write", async () => {
    const target = await insertUser(env.DB, { name: "Matrix Target" });
    await expectRoleMatrix(callers, { path: "/api/admin/users" }, ["admin", "support"]);
    await expectRoleMatrix(callers, { path: `/api/admin/users/${target.id}` }, ["admin", "support"]);
    await expectRoleMatrix(callers, { path: `/api/admin/users/${target.id}/orders` }, ["admin", "support"]);
    await expectRoleMatrix(callers, { path: `/api/admin/users/${target.id}/role`, method: "PUT", body: () => ({ role: "vendor" }) }, ["admin"]);
    await expectRoleMatrix(callers, { path: `/api/admin/users/${target.id}/disable`, method: "POST" }, ["admin"]);
    await expectRoleMatrix(callers, { path: `/api/admin/users/${target.id}/enable`, method: "POST" }, ["admin"]);
  }, 30_000);
});

describe("GET /api/admin/users", () => {
  it("searches email and name case-insensitively, filters by role and status, pages newest first", async () => {
    const byName = await json(await send("/api/admin/users?q=HOPPER", "GET", callers.support.headers));
    expect(byName).toMatchObject({ total: 1, items: [{ email: "grace.hopper@example.test", name: "Grace Hopper", role: "customer", status: "active" }] });
    const byEmail = await json(await send("/api/admin/users?q=ada%40", "GET", callers.admin.headers));
    expect(byEmail.items.map((u: { name: string }) => u.name)).toEqual(["Ada Lovelace"]);
    const vendors = await json(await send("/api/admin/users?role=vendor", "GET", callers.admin.headers));
    expect(vendors.items.every((u: { role: string }) => u.role === "vendor")).toBe(true);
    expect(vendors.items.map((u: { name: string }) => u.name)).toContain("Ada Lovelace");
    expect(
      (await json(await send("/api/admin/users?status=disabled", "GET", callers.admin.headers))).items.every(
        (u: { status: string }) => u.status === "disabled",
      ),
    ).toBe(true);
    const page = await json(await send("/api/admin/users?perPage=2&page=2", "GET", callers.admin.headers));
    expect(page).toMatchObject({ page: 2, perPage: 2 });
    expect(page.items).toHaveLength(2);
    // "%" is a literal, not a wildcard.
    expect((await json(await send("/api/admin/users?q=%25", "GET", callers.admin.headers))).total).toBe(0);
    const bad = await send("/api/admin/users?role=emperor&perPage=0", "GET", callers.admin.headers);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["perPage", "role"]);
  });

  it("answers 404 for an unknown user and their orders", async () => {
    expect((await send("/api/admin/users/usr_nope", "GET", callers.admin.headers)).status).toBe(404);
    expect((await send("/api/admin/users/usr_nope/orders", "GET", callers.admin.headers)).status).toBe(404);
  });
});

describe("changing accounts", () => {
  it("a role change is audited with before and after and ends the user's sessions", async () => {
    const victim = await signIn("customer");
    const res = await send(`/api/admin/users/${victim.id}/role`, "PUT", callers.admin.headers, { role: "support" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: victim.id, role: "support", status: "active" });
    expect((await send("/api/me", "GET", victim.headers)).status).toBe(401);
    expect(await auditOf(victim.id)).toEqual([
      { action: "user.role", actorId: callers.admin.id, before: { role: "customer", status: "active" }, after: { role: "support", status: "active" } },
    ]);
  });

  it("disabling ends the sessions at once and blocks sign-in; re-enabling lets the person back in; both audited", async () => {
    const user = await insertUser(env.DB, { name: "Soon Disabled" });
    const login = () =>
      send("/api/auth/login", "POST", { "CF-Connecting-IP": "198.51.100.7" }, { email: user.email, password: user.password }).then(async (r) => ({
        status: r.status,
        body: r.status === 200 ? await json(r) : null,
      }));
    const first = await login();
    const headers = { Authorization: `Bearer ${first.body.accessToken}` };
    expect((await send("/api/me", "GET", headers)).status).toBe(200);

    const disabled = await send(`/api/admin/users/${user.id}/disable`, "POST", callers.admin.headers);
    expect(await json(disabled)).toMatchObject({ status: "disabled" });
    expect((await send("/api/me", "GET", headers)).status).toBe(401);
    expect((await login()).status).toBe(401);

    expect(await json(await send(`/api/admin/users/${user.id}/enable`, "POST", callers.admin.headers))).toMatchObject({ status: "active" });
    // The old session stays ended; a new sign-in works.
    expect((await send("/api/me", "GET", headers)).status).toBe(401);
    expect((await login()).status).toBe(200);

    expect((await auditOf(user.id)).map((e) => [e.action, e.before.status, e.after.status])).toEqual([
      ["user.disable", "active", "disabled"],
      ["user.enable", "disabled", "active"],
    ]);
  }, 20_000);

  it("an admin cannot change their own role or disable themselves (409, nothing audited)", async () => {
    const own = await send(`/api/admin/users/${callers.admin.id}/disable`, "POST", callers.admin.headers);
    expect(own.status).toBe(409);
    expect((await send(`/api/admin/users/${callers.admin.id}/role`, "PUT", callers.admin.headers, { role: "customer" })).status).toBe(409);
    expect(await auditOf(callers.admin.id)).toEqual([]);
  });

  it("lists a customer's orders read-only, newest first", async () => {
    const user = await insertUser(env.DB);
    expect(await json(await send(`/api/admin/users/${user.id}/orders`, "GET", callers.support.headers))).toEqual({ items: [], total: 0, page: 1, perPage: 24 });

    const category = await insertCategory(env.DB, { slug: "users-orders" });
    await insertProduct(env.DB, { slug: "kettle", category, variants: [{ sku: "USR-KETTLE", title: "Default", options: {}, price: 3000, stockAvailable: 5 }] });
    purgeCatalogCache();
    const login = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
    let cookie = cookiesFrom(login);
    const add = await postJson("/api/cart/items", { sku: "USR-KETTLE", quantity: 1 }, { Cookie: cookie });
    cookie = [cookie, cookiesFrom(add)].filter(Boolean).join("; ");
    const placed = await json(await postJson("/api/checkout", { shippingAddress: ADDRESS, shippingOption: "standard" }, { Cookie: cookie }));
    expect(placed.orderId).toBeTruthy();
    const orders = await json(await send(`/api/admin/users/${user.id}/orders`, "GET", callers.support.headers));
    expect(orders).toMatchObject({
      total: 1,
      items: [{ id: placed.orderId, number: placed.orderNumber, status: "pending_payment", grandTotal: { currency: "USD" } }],
    });
  }, 20_000);
});
