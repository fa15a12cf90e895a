import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { purgeStoreCache } from "../../worker/store";
import { insertUser } from "../support/factories";
import { freshIp, json, postJson } from "../support/http";
import { buy, client, stockProduct } from "../support/orders";
import { currentCode, keyOf, nextCode } from "../support/second-factor";
import { passwordSignIn, send, signIn } from "../support/staff";

vi.setConfig({ testTimeout: 30_000 });

const login = (user: { email: string; password: string }, extra: Record<string, string> = {}) =>
  postJson("/api/auth/login", { email: user.email, password: user.password, ...extra }, { "CF-Connecting-IP": freshIp() });
const secondStep = (challenge: string, code: string) => postJson("/api/auth/login/second-factor", { challenge, code }, { "CF-Connecting-IP": freshIp() });

async function setSecurity(body: Record<string, unknown>) {
  const admin = await signIn("admin");
  const res = await send("/api/admin/settings/security", "PATCH", admin.headers, body);
  expect(res.status).toBe(200);
  purgeStoreCache();
}

describe("staff sign-in with the second factor required (the store's default)", () => {
  it("refuses a password alone: no session, a challenge and a key to enrol; completes only with a valid code", async () => {
    const staff = await insertUser(env.DB, { role: "support" });
    const first = await login(staff);
    expect(first.status).toBe(401);
    const problem = await json(first);
    expect(problem).toMatchObject({ code: "auth.second_factor_required", enroll: { secret: expect.stringMatching(/^[A-Z2-7]{32}$/) } });
    expect(problem.accessToken).toBeUndefined();
    expect(first.headers.getSetCookie()).toEqual([]);
    expect(problem.enroll.uri).toMatch(/^otpauth:\/\/totp\//);

    expect((await secondStep(problem.challenge, "000000")).status).toBe(401);
    const done = await secondStep(problem.challenge, await nextCode(problem.enroll.secret));
    expect(done.status).toBe(200);
    const session = await json(done);
    expect(session.user.role).toBe("support");
    expect(session.recoveryCodes).toHaveLength(10);
    expect((await send("/api/me", "GET", { Authorization: `Bearer ${session.accessToken}` })).status).toBe(200);
    // The challenge works once.
    expect((await secondStep(problem.challenge, currentCode(problem.enroll.secret))).status).toBe(401);

    // From now on: a code every time, never a new key.
    const again = await login(staff);
    expect(again.status).toBe(401);
    const second = await json(again);
    expect(second.code).toBe("auth.second_factor_required");
    expect(second.enroll).toBeUndefined();
    const code = await nextCode(problem.enroll.secret);
    expect((await secondStep(second.challenge, code)).status).toBe(200);
    // The same code does not work twice (another sign-in in the same 30 s).
    expect((await login(staff, { code })).status).toBe(401);
    expect((await login(staff, { code: await nextCode(problem.enroll.secret) })).status).toBe(200);

    // A recovery code works once, in place of the authenticator.
    const recovery = session.recoveryCodes[0] as string;
    expect((await login(staff, { code: recovery })).status).toBe(200);
    expect((await login(staff, { code: recovery })).status).toBe(401);
    const status = await json(await send("/api/me/mfa", "GET", { Authorization: `Bearer ${session.accessToken}` }));
    expect(status).toMatchObject({ totp: { enabled: true }, recoveryCodesLeft: 9, required: true });
  }, 90_000);

  it("vendors and admins are held to it too; customers sign in on a password", async () => {
    for (const role of ["vendor", "admin"] as const) {
      const res = await login(await insertUser(env.DB, { role }));
      expect([role, res.status, (await json(res)).code]).toEqual([role, 401, "auth.second_factor_required"]);
    }
    expect((await login(await insertUser(env.DB, { role: "customer" }))).status).toBe(200);
  });

  it("a wrong code counts: after 5 the account's codes are locked out for a while (429)", async () => {
    const staff = await insertUser(env.DB, { role: "admin" });
    const { challenge } = await json(await login(staff));
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await secondStep(challenge, "123456")).status);
    expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe("a customer's own second factor", () => {
  it("enrols under /me/mfa, then signing in needs a code; the key cannot be replaced without removing it", async () => {
    const user = await insertUser(env.DB, { role: "customer" });
    const session = await json(await login(user));
    const auth = { Authorization: `Bearer ${session.accessToken}` };
    const started = await send("/api/me/mfa/totp", "POST", auth);
    expect(started.status).toBe(201);
    const { secret } = await json(started);
    expect((await send("/api/me/mfa/totp/confirm", "POST", auth, { code: "000000" })).status).toBe(401);
    const confirmed = await send("/api/me/mfa/totp/confirm", "POST", auth, { code: await nextCode(secret) });
    expect(confirmed.status).toBe(200);
    expect((await json(confirmed)).recoveryCodes).toHaveLength(10);
    expect((await send("/api/me/mfa/totp", "POST", auth)).status).toBe(409);

    const next = await login(user);
    expect(next.status).toBe(401);
    expect((await json(next)).code).toBe("auth.second_factor_required");
    expect((await login(user, { code: await nextCode(secret) })).status).toBe(200);

    // Removing it needs a fresh factor, which enrolment just gave this session.
    expect((await send("/api/me/mfa/totp", "DELETE", auth)).status).toBe(204);
    expect((await login(user)).status).toBe(200);
  });
});

describe("re-authentication before a refund above the threshold", () => {
  beforeAll(async () => {
    await stockProduct("REAUTH-BIG", 50, 30_000);
  });

  it("refuses a large refund without a fresh second factor, and allows it after POST /me/mfa/verify", async () => {
    const adminUser = await insertUser(env.DB, { role: "admin" });
    const first = await passwordSignIn(adminUser, { "CF-Connecting-IP": freshIp() });
    expect(first.status).toBe(200);
    const admin = client(
      first.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; "),
    );
    const order = await buy([{ sku: "REAUTH-BIG", quantity: 1 }]);
    // The sign-in's own factor is fresh for 10 minutes: make it count as old.
    await env.DB.prepare("update session_factors set verified_at = verified_at - 3600000 where user_id = ?").bind(adminUser.id).run();

    const refund = (amount: number, key: string) =>
      admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { amount, reason: "damaged" }, { "Idempotency-Key": key });
    // Below the threshold (10000 minor units by default): no second factor needed.
    expect((await refund(5_000, "reauth-small-0001")).status).toBe(200);
    const big = await refund(20_000, "reauth-big-0001");
    expect(big.status).toBe(403);
    expect(await json(big)).toMatchObject({ code: "auth.reauthentication_required", reauthenticate: "/api/me/mfa/verify" });
    const row = await env.DB.prepare("select refunded_amount from payments where order_id = ?").bind(order.orderId).first<{ refunded_amount: number }>();
    expect(row?.refunded_amount).toBe(5_000);

    const secret = keyOf(adminUser.email) as string;
    expect((await admin.send("/api/me/mfa/verify", "POST", { code: "000000" })).status).toBe(401);
    expect((await admin.send("/api/me/mfa/verify", "POST", { code: await nextCode(secret) })).status).toBe(200);
    expect((await refund(20_000, "reauth-big-0002")).status).toBe(200);
  });

  it("the threshold is a store setting", async () => {
    await setSecurity({ reauthRefundAbove: 1_000_000 });
    const adminUser = await insertUser(env.DB, { role: "admin" });
    const admin = client(
      (await passwordSignIn(adminUser, { "CF-Connecting-IP": freshIp() })).headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; "),
    );
    await env.DB.prepare("update session_factors set verified_at = 0 where user_id = ?").bind(adminUser.id).run();
    const order = await buy([{ sku: "REAUTH-BIG", quantity: 1 }]);
    expect(
      (await admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { reason: "damaged" }, { "Idempotency-Key": "reauth-setting-1" })).status,
    ).toBe(200);
    await setSecurity({ reauthRefundAbove: 10_000 });
  });
});

describe("the store setting", () => {
  it("off: staff sign in on a password alone; only admins with the settings permission may change it", async () => {
    const support = await signIn("support");
    expect((await send("/api/admin/settings/security", "PATCH", support.headers, { staffSecondFactorRequired: false })).status).toBe(403);
    await setSecurity({ staffSecondFactorRequired: false });
    expect((await login(await insertUser(env.DB, { role: "support" }))).status).toBe(200);
    await setSecurity({ staffSecondFactorRequired: true });
    expect((await login(await insertUser(env.DB, { role: "support" }))).status).toBe(401);
  });

  it("rejects bad values naming the field", async () => {
    const admin = await signIn("admin");
    const res = await send("/api/admin/settings/security", "PATCH", admin.headers, { reauthMinutes: 0 });
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([expect.objectContaining({ path: "reauthMinutes" })]);
  });
});
