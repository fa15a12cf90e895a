import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { insertUser } from "../support/factories";
import { freshIp, json, postJson } from "../support/http";
import { buy, client, stockProduct } from "../support/orders";
import { SoftPasskey } from "../support/passkeys";
import { passwordSignIn, send } from "../support/staff";

vi.setConfig({ testTimeout: 60_000 });

type User = { id: string; email: string; password: string };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const login = (user: User) => postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp() });

/** A customer signed in on a password (no second factor yet), with Bearer headers. */
async function customer(): Promise<{ user: User; auth: Record<string, string> }> {
  const user = await insertUser(env.DB, { role: "customer" });
  const res = await login(user);
  expect(res.status).toBe(200);
  return { user, auth: bearer((await json(res)).accessToken) };
}

/** Adds a new software passkey to the signed-in account; answers it and the API's answer. */
async function addPasskey(auth: Record<string, string>, name = "Laptop") {
  const options = await send("/api/me/mfa/passkeys/options", "POST", auth);
  expect(options.status).toBe(200);
  const key = await SoftPasskey.create();
  const res = await send("/api/me/mfa/passkeys", "POST", auth, { name, credential: await key.register(await json(options)) });
  return { key, res };
}

/** The password step of a sign-in that waits for its second factor: its challenge and methods. */
async function passwordStep(user: User): Promise<{ challenge: string; methods: string[] }> {
  const res = await login(user);
  expect(res.status).toBe(401);
  const problem = await json(res);
  expect(problem.code).toBe("auth.second_factor_required");
  return problem;
}

const signInOptions = async (challenge: string) => {
  const res = await postJson("/api/auth/login/passkey/options", { challenge });
  expect(res.status).toBe(200);
  return json(res);
};
const completeSignIn = (challenge: string, credential: unknown) =>
  postJson("/api/auth/login/passkey", { challenge, credential }, { "CF-Connecting-IP": freshIp() });
const makeFactorOld = (userId: string) => env.DB.prepare("update session_factors set verified_at = verified_at - 3600000 where user_id = ?").bind(userId).run();

describe("adding, listing, renaming and removing passkeys (/api/me/mfa/passkeys)", () => {
  it("registers a passkey with options bound to the store's origin, lists it, answers recovery codes for a first factor", async () => {
    const { user, auth } = await customer();
    const optionsRes = await send("/api/me/mfa/passkeys/options", "POST", auth);
    expect(optionsRes.status).toBe(200);
    const options = await json(optionsRes);
    expect(options.rp.id).toBe("store.test");
    expect(options.user.name).toBe(user.email);
    // The user handle is the account id, never the email.
    expect(atob(options.user.id.replace(/-/g, "+").replace(/_/g, "/"))).toBe(user.id);
    expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-8, -7, -257]);

    const key = await SoftPasskey.create();
    const credential = await key.register(options);
    const added = await send("/api/me/mfa/passkeys", "POST", auth, { name: "  Work laptop ", credential });
    expect(added.status).toBe(201);
    const body = await json(added);
    expect(body.passkey).toMatchObject({ name: "Work laptop", transports: ["internal"], lastUsedAt: null });
    expect(body.recoveryCodes).toHaveLength(10);

    const stored = await env.DB.prepare("select credential_id, public_key, counter, created_at from user_passkeys where user_id = ?").bind(user.id).first();
    expect(stored).toMatchObject({ credential_id: key.id, counter: 0 });
    expect(String(stored?.public_key)).toMatch(/^[A-Za-z0-9_-]{60,}$/);

    const list = await json(await send("/api/me/mfa/passkeys", "GET", auth));
    expect(list.items).toEqual([expect.objectContaining({ id: body.passkey.id, name: "Work laptop", synced: false })]);
    expect(await json(await send("/api/me/mfa", "GET", auth))).toMatchObject({ passkeys: 1, recoveryCodesLeft: 10, totp: { enabled: false } });

    // The same answer again: its challenge is used up.
    const replay = await send("/api/me/mfa/passkeys", "POST", auth, { name: "Again", credential });
    expect(replay.status).toBe(401);
    expect((await json(replay)).code).toBe("auth.passkey_challenge_expired");
  });

  it("refuses a credential made for another origin, another session's challenge, and a body with a bad field (400 naming it)", async () => {
    const { auth } = await customer();
    const other = await customer();
    const options = await json(await send("/api/me/mfa/passkeys/options", "POST", auth));
    const key = await SoftPasskey.create();

    const foreign = await send("/api/me/mfa/passkeys", "POST", auth, {
      name: "Phish",
      credential: await key.register(options, "https://store-test.evil.example"),
    });
    expect(foreign.status).toBe(401);
    expect((await json(foreign)).code).toBe("auth.passkey_invalid");

    // A challenge issued to one session does not register a passkey in another.
    const fresh = await json(await send("/api/me/mfa/passkeys/options", "POST", auth));
    const stolen = await send("/api/me/mfa/passkeys", "POST", other.auth, { name: "Mine", credential: await key.register(fresh) });
    expect(stolen.status).toBe(401);

    const bad = await send("/api/me/mfa/passkeys", "POST", auth, { name: "", credential: { id: "!!", rawId: "x", type: "public-key" } });
    expect(bad.status).toBe(400);
    const paths = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "credential.id"]));
    expect(await json(await send("/api/me/mfa/passkeys", "GET", other.auth))).toEqual({ items: [] });
  });

  it("renames its own passkeys only; removal needs a fresh second factor and is 404 for another account's", async () => {
    const { user, auth } = await customer();
    const { res } = await addPasskey(auth);
    const { id } = (await json(res)).passkey;
    const renamed = await send(`/api/me/mfa/passkeys/${id}`, "PATCH", auth, { name: "Phone" });
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).name).toBe("Phone");
    const invalid = await send(`/api/me/mfa/passkeys/${id}`, "PATCH", auth, { name: "x".repeat(61) });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).errors[0].path).toBe("name");

    const other = await customer();
    expect((await send(`/api/me/mfa/passkeys/${id}`, "PATCH", other.auth, { name: "Mine" })).status).toBe(404);
    expect((await send(`/api/me/mfa/passkeys/${id}`, "DELETE", other.auth)).status).toBe(404);
    expect((await send(`/api/me/mfa/passkeys/${id}`, "PATCH", {}, { name: "Anon" })).status).toBe(401);

    await makeFactorOld(user.id);
    const refused = await send(`/api/me/mfa/passkeys/${id}`, "DELETE", auth);
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: "auth.reauthentication_required", reauthenticateWithPasskey: "/api/me/mfa/passkeys/verify/options" });
    // A second passkey is a sensitive change too once the account has a factor.
    expect((await send("/api/me/mfa/passkeys/options", "POST", auth)).status).toBe(403);
  });
});

describe("signing in with a password and a passkey (/api/auth/login/passkey)", () => {
  let user: User;
  let key: SoftPasskey;
  beforeAll(async () => {
    const signedIn = await customer();
    user = signedIn.user;
    key = (await addPasskey(signedIn.auth)).key;
  });

  it("the password alone no longer signs in; the passkey completes it once and records a fresh second factor", async () => {
    const { challenge, methods } = await passwordStep(user);
    expect(methods).toEqual(["passkey"]);
    const options = await signInOptions(challenge);
    expect(options.rpId).toBe("store.test");
    expect(options.allowCredentials).toEqual([{ id: key.id, type: "public-key", transports: ["internal"] }]);

    const credential = await key.assert(options);
    const done = await completeSignIn(challenge, credential);
    expect(done.status).toBe(200);
    const session = await json(done);
    expect(session.user.id).toBe(user.id);
    expect((await send("/api/me", "GET", bearer(session.accessToken))).status).toBe(200);
    const factor = await env.DB.prepare("select verified_at from session_factors where user_id = ? order by verified_at desc")
      .bind(user.id)
      .first<{ verified_at: number }>();
    expect(Date.now() - (factor?.verified_at ?? 0)).toBeLessThan(60_000);
    const row = await env.DB.prepare("select counter, last_used_at from user_passkeys where credential_id = ?")
      .bind(key.id)
      .first<{ counter: number; last_used_at: number }>();
    expect(row?.counter).toBe(key.counter);
    expect(row?.last_used_at).toBeGreaterThan(0);

    // Replayed: the same answer (and the same sign-in challenge) never works twice.
    const replay = await completeSignIn(challenge, credential);
    expect(replay.status).toBe(401);
    expect(["auth.challenge_expired", "auth.passkey_challenge_expired"]).toContain((await json(replay)).code);
  });

  it("refuses an answer for another origin or RP id, then still accepts the right one for the same sign-in", async () => {
    const { challenge } = await passwordStep(user);
    const wrongOrigin = await completeSignIn(challenge, await key.assert(await signInOptions(challenge), "https://evil.example"));
    expect(wrongOrigin.status).toBe(401);
    expect((await json(wrongOrigin)).code).toBe("auth.passkey_invalid");
    const wrongRp = await completeSignIn(challenge, await key.assert(await signInOptions(challenge), "http://store.test", "evil.example"));
    expect(wrongRp.status).toBe(401);
    expect((await completeSignIn(challenge, await key.assert(await signInOptions(challenge)))).status).toBe(200);
  });

  it("refuses a counter that went back (a cloned authenticator), a challenge of another sign-in, and an expired challenge", async () => {
    const first = await passwordStep(user);
    key.counter = 1;
    const cloned = await completeSignIn(first.challenge, await key.assert(await signInOptions(first.challenge)));
    expect(cloned.status).toBe(401);
    expect((await json(cloned)).code).toBe("auth.passkey_invalid");
    const stored = await env.DB.prepare("select counter from user_passkeys where credential_id = ?").bind(key.id).first<{ counter: number }>();
    key.counter = stored?.counter ?? 0;

    // Options of one sign-in answered under another sign-in's challenge.
    const second = await passwordStep(user);
    const crossed = await completeSignIn(second.challenge, await key.assert(await signInOptions(first.challenge)));
    expect(crossed.status).toBe(401);

    const options = await signInOptions(second.challenge);
    await env.DB.prepare("update passkey_challenges set expires_at = 0 where user_id = ? and used_at is null").bind(user.id).run();
    const expired = await completeSignIn(second.challenge, await key.assert(options));
    expect(expired.status).toBe(401);
    expect((await json(expired)).code).toBe("auth.passkey_challenge_expired");
    expect((await completeSignIn(second.challenge, await key.assert(await signInOptions(second.challenge)))).status).toBe(200);
  });

  it("two requests racing with one answer: exactly one signs in", async () => {
    const sessions = async () =>
      (await env.DB.prepare("select count(distinct family_id) as n from refresh_tokens where user_id = ?").bind(user.id).first<{ n: number }>())?.n ?? 0;
    const before = await sessions();
    const { challenge } = await passwordStep(user);
    const credential = await key.assert(await signInOptions(challenge));
    const statuses = (await Promise.all([completeSignIn(challenge, credential), completeSignIn(challenge, credential)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401]);
    expect(await sessions()).toBe(before + 1);
  });

  it("options need a live sign-in challenge of an account with a passkey", async () => {
    expect((await postJson("/api/auth/login/passkey/options", { challenge: "x".repeat(43) })).status).toBe(401);
    expect((await postJson("/api/auth/login/passkey/options", { challenge: "short" })).status).toBe(400);
  });
});

describe("staff and vendor owners meet the store's second-factor rule with a passkey", () => {
  it("an admin swaps the authenticator for a passkey: sign-in then asks for the passkey; the last factor cannot be removed", async () => {
    const admin = await insertUser(env.DB, { role: "admin" });
    const first = await passwordSignIn(admin, { "CF-Connecting-IP": freshIp() });
    expect(first.status).toBe(200);
    const auth = bearer((await json(first)).accessToken);
    const { key, res } = await addPasskey(auth, "YubiKey");
    expect(res.status).toBe(201);
    const added = await json(res);
    // Not the first factor (the authenticator is): no new recovery codes.
    expect(added.recoveryCodes).toBeUndefined();
    expect((await send("/api/me/mfa/totp", "DELETE", auth)).status).toBe(204);
    expect(await json(await send("/api/me/mfa", "GET", auth))).toMatchObject({ totp: { enabled: false }, passkeys: 1, recoveryCodesLeft: 10, required: true });

    const step = await passwordStep(admin);
    expect(step.methods).toEqual(["passkey"]);
    expect((step as { enroll?: unknown }).enroll).toBeUndefined();
    const done = await completeSignIn(step.challenge, await key.assert(await signInOptions(step.challenge)));
    expect(done.status).toBe(200);
    expect((await json(done)).user.role).toBe("admin");

    const { id } = added.passkey;
    const last = await send(`/api/me/mfa/passkeys/${id}`, "DELETE", auth);
    expect(last.status).toBe(409);
    expect((await json(last)).code).toBe("auth.second_factor_required_by_store");
  });

  it("a vendor owner whose only factor is a passkey is refused on a password alone", async () => {
    const vendor = await insertUser(env.DB, { role: "vendor" });
    const first = await passwordSignIn(vendor, { "CF-Connecting-IP": freshIp() });
    const auth = bearer((await json(first)).accessToken);
    const { key } = await addPasskey(auth);
    expect((await send("/api/me/mfa/totp", "DELETE", auth)).status).toBe(204);
    const step = await passwordStep(vendor);
    expect(step.methods).toEqual(["passkey"]);
    // A code is no way in without an authenticator.
    expect((await postJson("/api/auth/login/second-factor", { challenge: step.challenge, code: "123456" })).status).toBe(401);
    expect((await completeSignIn(step.challenge, await key.assert(await signInOptions(step.challenge)))).status).toBe(200);
  });
});

describe("re-authenticating with a passkey before a refund above the threshold", () => {
  beforeAll(async () => {
    await stockProduct("PASSKEY-BIG", 50, 30_000);
  });

  it("refuses the large refund with an old factor, accepts it after POST /me/mfa/passkeys/verify", async () => {
    const adminUser = await insertUser(env.DB, { role: "admin" });
    const admin = client(
      (await passwordSignIn(adminUser, { "CF-Connecting-IP": freshIp() })).headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; "),
    );
    const optionsRes = await admin.send("/api/me/mfa/passkeys/options", "POST", {});
    expect(optionsRes.status).toBe(200);
    const key = await SoftPasskey.create();
    expect((await admin.send("/api/me/mfa/passkeys", "POST", { name: "Desk key", credential: await key.register(await json(optionsRes)) })).status).toBe(201);

    const order = await buy([{ sku: "PASSKEY-BIG", quantity: 1 }]);
    await makeFactorOld(adminUser.id);
    const refund = (key: string) =>
      admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { amount: 20_000, reason: "damaged" }, { "Idempotency-Key": key });
    const refused = await refund("passkey-refund-0001");
    expect(refused.status).toBe(403);
    expect((await json(refused)).code).toBe("auth.reauthentication_required");

    const options = await json(await admin.send("/api/me/mfa/passkeys/verify/options", "POST", {}));
    // Another session cannot use this session's challenge.
    const other = await passwordSignIn(adminUser, { "CF-Connecting-IP": freshIp() });
    const otherAuth = bearer((await json(other)).accessToken);
    expect((await send("/api/me/mfa/passkeys/verify", "POST", otherAuth, { credential: await key.assert(options) })).status).toBe(401);

    const fresh = await json(await admin.send("/api/me/mfa/passkeys/verify/options", "POST", {}));
    expect((await admin.send("/api/me/mfa/passkeys/verify", "POST", { credential: await key.assert(fresh, "https://evil.example") })).status).toBe(401);
    await makeFactorOld(adminUser.id);
    const again = await json(await admin.send("/api/me/mfa/passkeys/verify/options", "POST", {}));
    const verified = await admin.send("/api/me/mfa/passkeys/verify", "POST", { credential: await key.assert(again) });
    expect(verified.status).toBe(200);
    expect((await refund("passkey-refund-0002")).status).toBe(200);
    const row = await env.DB.prepare("select refunded_amount from payments where order_id = ?").bind(order.orderId).first<{ refunded_amount: number }>();
    expect(row?.refunded_amount).toBe(20_000);
  });

  it("an account without a passkey gets 409 for the passkey options", async () => {
    const { auth } = await customer();
    expect((await send("/api/me/mfa/passkeys/verify/options", "POST", auth)).status).toBe(409);
  });
});
