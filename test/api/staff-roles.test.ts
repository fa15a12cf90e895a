import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { insertUser } from "../support/factories";
import { call, freshIp, json } from "../support/http";
import { keyOf, nextCode } from "../support/second-factor";
import { send, signIn } from "../support/staff";

/** Makes the caller's last second factor older than the store's re-authentication window. */
async function ageSecondFactor(userId: string): Promise<void> {
  await env.DB.prepare("UPDATE session_factors SET verified_at = ? WHERE user_id = ?")
    .bind(Date.now() - 60 * 60_000, userId)
    .run();
}

describe("editable staff roles", () => {
  it("a staff role's permissions apply at the member's next request; changing them takes effect at once", async () => {
    const admin = await signIn("admin");
    const member = await signIn("support");
    // Built-in support: may not adjust stock.
    expect((await send("/api/admin/inventory", "GET", member.headers)).status).toBe(403);

    const created = await send("/api/admin/staff-roles", "POST", admin.headers, { name: "Stock keeper", permissions: ["inventory"] });
    expect(created.status).toBe(201);
    const role = await json(created);
    expect(role).toMatchObject({ name: "Stock keeper", permissions: ["inventory"], builtIn: false, members: 0 });

    const assigned = await send(`/api/admin/users/${member.id}/staff-role`, "PUT", admin.headers, { roleId: role.id });
    expect(assigned.status).toBe(200);
    expect(await json(assigned)).toMatchObject({ staffRole: { id: role.id, name: "Stock keeper" }, permissions: ["inventory"] });
    // Same access token, next request: the new permission holds, and the old "support" one is gone.
    expect((await send("/api/admin/inventory", "GET", member.headers)).status).toBe(200);
    expect((await send("/api/admin/support/canned-replies", "POST", member.headers, { title: "Hi", body: "Hello" })).status).toBe(403);

    expect((await send(`/api/admin/staff-roles/${role.id}`, "PUT", admin.headers, { name: "Stock keeper", permissions: ["catalog"] })).status).toBe(200);
    expect((await send("/api/admin/inventory", "GET", member.headers)).status).toBe(403);

    const list = await json(await send("/api/admin/staff-roles", "GET", member.headers));
    expect(list.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(["admin", "support", role.id]));

    // Deleting the role gives the member the built-in defaults of their account role back.
    expect((await send(`/api/admin/staff-roles/${role.id}`, "DELETE", admin.headers)).status).toBe(204);
    expect((await send("/api/admin/inventory", "GET", member.headers)).status).toBe(403);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE entity_id = ? OR entity_id = ? ORDER BY at, rowid").bind(role.id, member.id).all();
    expect(audit.results.map((r) => r.action)).toEqual(["staff_role.create", "user.staff_role", "staff_role.update", "staff_role.delete"]);
  }, 120_000);

  it("refuses bad bodies naming the field, a duplicate name, unknown roles, customers and one's own account", async () => {
    const admin = await signIn("admin");
    const bad = await send("/api/admin/staff-roles", "POST", admin.headers, { name: "", permissions: ["catalog", "catalog", "root"] });
    expect(bad.status).toBe(400);
    const paths = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "permissions.2"]));
    expect((await send("/api/admin/staff-roles", "POST", admin.headers, { name: "Packers", permissions: ["orders"] })).status).toBe(201);
    const dup = await send("/api/admin/staff-roles", "POST", admin.headers, { name: "packers", permissions: [] });
    expect(dup.status).toBe(409);
    expect((await send("/api/admin/staff-roles/srole_nope", "PUT", admin.headers, { name: "X", permissions: [] })).status).toBe(404);
    const customer = await insertUser(env.DB, { role: "customer" });
    expect((await send(`/api/admin/users/${customer.id}/staff-role`, "PUT", admin.headers, { roleId: null })).status).toBe(409);
    expect((await send(`/api/admin/users/${admin.id}/staff-role`, "PUT", admin.headers, { roleId: null })).status).toBe(409);
    const support = await signIn("support");
    expect((await send("/api/admin/staff-roles", "POST", support.headers, { name: "Mine", permissions: ["customers"] })).status).toBe(403);
  }, 120_000);

  it("asks for a fresh second factor before a role or permission change, and accepts it after POST /api/me/mfa/verify", async () => {
    const admin = await signIn("admin");
    const member = await signIn("support");
    const role = await json(await send("/api/admin/staff-roles", "POST", admin.headers, { name: "Catalog editors", permissions: ["catalog"] }));
    await ageSecondFactor(admin.id);

    for (const [path, method, body] of [
      [`/api/admin/users/${member.id}/staff-role`, "PUT", { roleId: role.id }],
      [`/api/admin/users/${member.id}/role`, "PUT", { role: "admin" }],
      ["/api/admin/staff-roles", "POST", { name: "Another", permissions: [] }],
      [`/api/admin/staff-roles/${role.id}`, "PUT", { name: "Catalog editors", permissions: ["catalog", "customers"] }],
      [`/api/admin/staff-roles/${role.id}`, "DELETE", undefined],
    ] as const) {
      const res = await send(path, method, admin.headers, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await json(res)).code).toBe("auth.reauthentication_required");
    }
    // Nothing changed meanwhile.
    expect((await json(await call(`/api/admin/users/${member.id}`, { headers: admin.headers }))).staffRole).toBeNull();

    const secret = keyOf(admin.email) as string;
    expect((await send("/api/me/mfa/verify", "POST", admin.headers, { code: await nextCode(secret) })).status).toBe(200);
    expect((await send(`/api/admin/users/${member.id}/staff-role`, "PUT", admin.headers, { roleId: role.id })).status).toBe(200);
    expect((await send("/api/admin/products", "GET", member.headers)).status).toBe(200);
  }, 120_000);
});

describe("the account's sessions", () => {
  const nativeLogin = async (user: { email: string; password: string }, headers: Record<string, string> = {}) =>
    json(
      await send(
        "/api/auth/login",
        "POST",
        { "CF-Connecting-IP": freshIp(), "X-Auth-Mode": "token", ...headers },
        { email: user.email, password: user.password },
      ),
    );

  it("lists each session with device, place and this one first; signing one out from the list stops it at once", async () => {
    const user = await insertUser(env.DB);
    const phone = await nativeLogin(user, {
      "User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
      "CF-IPCountry": "DE",
      "CF-IPCity": "Berlin",
    });
    const laptop = await nativeLogin(user, {
      "User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    });
    const asLaptop = { Authorization: `Bearer ${laptop.accessToken}` };
    const asPhone = { Authorization: `Bearer ${phone.accessToken}` };

    const list = await json(await send("/api/me/sessions", "GET", asLaptop));
    expect(list.items).toHaveLength(2);
    expect(list.items[0]).toMatchObject({ current: true, device: "Safari on macOS", place: null });
    expect(list.items[1]).toMatchObject({ current: false, device: "Chrome on Android", place: "Berlin, DE" });
    expect(JSON.stringify(list)).not.toContain(phone.refreshToken);

    expect((await send(`/api/me/sessions/${list.items[1].id}`, "DELETE", asLaptop)).status).toBe(204);
    expect((await send("/api/me", "GET", asPhone)).status).toBe(401);
    expect((await send("/api/auth/refresh", "POST", { "X-Auth-Mode": "token" }, { refreshToken: phone.refreshToken })).status).toBe(401);
    expect((await send("/api/me", "GET", asLaptop)).status).toBe(200);
    expect((await json(await send("/api/me/sessions", "GET", asLaptop))).items).toHaveLength(1);
  }, 120_000);

  it("another account's session is a 404 and stays signed in; signing out everywhere ends them all", async () => {
    const user = await insertUser(env.DB);
    const other = await insertUser(env.DB);
    const mine = await nativeLogin(user);
    const second = await nativeLogin(user);
    const theirs = await nativeLogin(other);
    const asMe = { Authorization: `Bearer ${mine.accessToken}` };
    const asThem = { Authorization: `Bearer ${theirs.accessToken}` };
    const theirId = (await json(await send("/api/me/sessions", "GET", asThem))).items[0].id;
    expect((await send(`/api/me/sessions/${theirId}`, "DELETE", asMe)).status).toBe(404);
    expect((await send("/api/me", "GET", asThem)).status).toBe(200);
    expect((await send("/api/me/sessions", "GET", {})).status).toBe(401);

    expect((await send("/api/me/sessions", "DELETE", asMe)).status).toBe(204);
    expect((await send("/api/me", "GET", asMe)).status).toBe(401);
    expect((await send("/api/me", "GET", { Authorization: `Bearer ${second.accessToken}` })).status).toBe(401);
    expect((await send("/api/me", "GET", asThem)).status).toBe(200);
  }, 120_000);
});
