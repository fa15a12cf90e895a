import { env } from "cloudflare:workers";
import { importJWK, type JWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { listOutboxFor } from "../../worker/notifications";
import { insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json, postJson } from "../support/http";
import { emailTo, SIGN_UP_PASSWORD, signUp, signUpToken } from "../support/sign-up";
import { passwordSignIn } from "../support/staff";
import { hashPassword, passwordCost, passwordDerivations } from "../../worker/accounts/password";

const STRONG = SIGN_UP_PASSWORD;

/** A shopper who signed up through the emailed link (the only way an account is created by a request). */
const registerUser = (overrides: { email?: string; name?: string; password?: string } = {}) => signUp(overrides);

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (headers: Record<string, string>) => call("/api/me", { headers });
const waitForEmail = emailTo;

/** Everything an answer says, but the headers that differ on every answer anyway. */
async function answerOf(res: Response) {
  const headers = Object.fromEntries([...res.headers].filter(([name]) => !["date", "x-request-id"].includes(name.toLowerCase())));
  return { status: res.status, headers, body: await res.text(), cookies: res.headers.getSetCookie() };
}

describe("POST /api/auth/register", () => {
  it("answers 202 with no session, then the emailed link creates a verified customer and signs in", async () => {
    const email = `grace-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const asked = await postJson("/api/auth/register", { email, password: STRONG, name: "Grace Hopper" }, { "CF-Connecting-IP": freshIp() });
    expect(asked.status).toBe(202);
    expect(asked.headers.getSetCookie()).toEqual([]);
    expect(asked.headers.get("cache-control")).toBe("no-store");
    expect((await json(asked)).status).toMatch(/^Check your email to finish/);
    // Nothing exists until the link is followed.
    expect(await env.DB.prepare("select count(*) as n from users where email = ?").bind(email).first<{ n: number }>()).toEqual({ n: 0 });

    const mail = await waitForEmail(email, "finish_registration");
    expect(mail.subject).toMatch(/^Finish creating your .+ account$/);
    expect(mail.html).toContain("<!doctype html>");
    const token = await signUpToken(email);
    const done = await postJson("/api/auth/register/confirm", { token });
    expect(done.status).toBe(201);
    const body = await json(done);
    expect(body.user).toMatchObject({ email, name: "Grace Hopper", role: "customer", emailVerified: true, hasPassword: true });
    expect(body.expiresIn).toBe(900);
    expect(body.refreshToken).toBeUndefined();
    for (const cookie of done.headers.getSetCookie()) expect(cookie).toMatch(/^__Host-(at|rt)=[^;]+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    const cookie = cookiesFrom(done);
    expect(cookie).toMatch(/__Host-at=.+; __Host-rt=.+/);
    expect((await me({ Cookie: cookie })).status).toBe(200);
    expect((await json(await me(bearer(body.accessToken)))).email).toBe(email);
    await waitForEmail(email, "welcome");
    // The password chosen at sign-up is the account's.
    expect((await postJson("/api/auth/login", { email, password: STRONG }, { "CF-Connecting-IP": freshIp() })).status).toBe(200);
  }, 30_000);

  it("answers a known email exactly as a new one (status, body, headers, no cookie); the known one is told by email", async () => {
    const known = await signUp({ name: "Known Person" });
    const fresh = `new-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const ip = freshIp();
    const forKnown = await postJson(
      "/api/auth/register",
      { email: known.email.toUpperCase(), password: "another long password 99", name: "Twin" },
      { "CF-Connecting-IP": ip },
    );
    const forNew = await postJson("/api/auth/register", { email: fresh, password: "another long password 99", name: "Twin" }, { "CF-Connecting-IP": ip });
    const [a, b] = [await answerOf(forKnown), await answerOf(forNew)];
    expect(a.status).toBe(202);
    expect(a.cookies).toEqual([]);
    expect(a).toEqual(b);

    const notice = await waitForEmail(known.email, "account_exists");
    expect(notice.subject).toMatch(/^You already have an account at /);
    expect(notice.text).toMatch(/\/account\/login/);
    expect(notice.text).toMatch(/\/account\/forgot-password/);
    expect(notice.text).toContain("Known Person");
    // The known account is untouched: its own password still signs in, the typed one does not.
    expect((await postJson("/api/auth/login", { email: known.email, password: known.password }, { "CF-Connecting-IP": freshIp() })).status).toBe(200);
    expect((await postJson("/api/auth/login", { email: known.email, password: "another long password 99" }, { "CF-Connecting-IP": freshIp() })).status).toBe(
      401,
    );
    // Only the link of its own sign-up: the second request sent none.
    expect(await listOutboxFor(env, known.email, "finish_registration")).toHaveLength(1);
    await waitForEmail(fresh, "finish_registration");
  }, 30_000);

  it("stores a sign-up's password as a scrypt hash at the store's cost, and a weaker stored hash is upgraded at sign-in", async () => {
    // This project runs with ENVIRONMENT=test, whose cost is the cheaper one (production's is tested in test/production).
    expect(passwordCost(env)).toEqual({ ln: 10, r: 8, p: 1 });
    const user = await insertUser(env.DB);
    const hashOf = async () => (await env.DB.prepare("select password_hash as h from users where id = ?").bind(user.id).first<{ h: string }>())?.h ?? "";
    await env.DB.prepare("update users set password_hash = ? where id = ?")
      .bind(await hashPassword(user.password, { ln: 8, r: 8, p: 1 }), user.id)
      .run();
    const res = await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp() });
    expect(res.status).toBe(200);
    expect(await hashOf()).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await hashOf()).not.toContain(user.password);
  });

  it("hashes the password for a known email too, so the answer takes as long", async () => {
    const known = await signUp();
    const before = passwordDerivations();
    expect(
      (await postJson("/api/auth/register", { email: known.email, password: "yet another long password", name: "K" }, { "CF-Connecting-IP": freshIp() }))
        .status,
    ).toBe(202);
    const forKnown = passwordDerivations() - before;
    const mid = passwordDerivations();
    expect(
      (
        await postJson(
          "/api/auth/register",
          { email: `t-${crypto.randomUUID().slice(0, 8)}@example.test`, password: "yet another long password", name: "N" },
          { "CF-Connecting-IP": freshIp() },
        )
      ).status,
    ).toBe(202);
    expect(forKnown).toBe(1);
    expect(passwordDerivations() - mid).toBe(1);
  }, 30_000);

  it("a link works once and only for 24 hours; a second link for the same email answers 409 after the first", async () => {
    const email = `once-${crypto.randomUUID().slice(0, 8)}@example.test`;
    for (const name of ["First", "Second"]) {
      expect((await postJson("/api/auth/register", { email, password: STRONG, name }, { "CF-Connecting-IP": freshIp() })).status).toBe(202);
    }
    await expect.poll(async () => (await listOutboxFor(env, email, "finish_registration")).length, { timeout: 10_000 }).toBe(2);
    const tokens = (await listOutboxFor(env, email, "finish_registration")).map((m) => /token=([A-Za-z0-9_-]+)/.exec(m.text)?.[1] as string);
    const [first, second] = tokens as [string, string];
    expect((await postJson("/api/auth/register/confirm", { token: first })).status).toBe(201);
    expect((await postJson("/api/auth/register/confirm", { token: first })).status).toBe(400);
    // The other link died with the account's creation: nothing to take over.
    expect((await postJson("/api/auth/register/confirm", { token: second })).status).toBe(400);
    expect(await env.DB.prepare("select count(*) as n from pending_registrations where email = ?").bind(email).first<{ n: number }>()).toEqual({ n: 0 });

    const late = `late-${crypto.randomUUID().slice(0, 8)}@example.test`;
    expect((await postJson("/api/auth/register", { email: late, password: STRONG, name: "Late" }, { "CF-Connecting-IP": freshIp() })).status).toBe(202);
    const lateToken = await signUpToken(late);
    await env.DB.prepare("update pending_registrations set expires_at = ? where email = ?")
      .bind(Date.now() - 1, late)
      .run();
    const expired = await postJson("/api/auth/register/confirm", { token: lateToken });
    expect(expired.status).toBe(400);
    expect(await json(expired)).toMatchObject({ code: "auth.invalid_token", errors: [{ path: "token" }] });
  }, 30_000);

  it("an email that got an account meanwhile (OAuth, another link) answers 409 naming the email", async () => {
    const email = `meanwhile-${crypto.randomUUID().slice(0, 8)}@example.test`;
    expect((await postJson("/api/auth/register", { email, password: STRONG, name: "M" }, { "CF-Connecting-IP": freshIp() })).status).toBe(202);
    const token = await signUpToken(email);
    await insertUser(env.DB, { email });
    const res = await postJson("/api/auth/register/confirm", { token });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ code: "auth.email_taken", errors: [{ path: "email" }] });
  }, 30_000);

  it("two clicks on one link at once create one account", async () => {
    const email = `race-${crypto.randomUUID().slice(0, 8)}@example.test`;
    expect((await postJson("/api/auth/register", { email, password: STRONG, name: "Race" }, { "CF-Connecting-IP": freshIp() })).status).toBe(202);
    const token = await signUpToken(email);
    const answers = await Promise.all(Array.from({ length: 8 }, () => postJson("/api/auth/register/confirm", { token })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 400, 400, 400, 400, 400, 400, 400]);
    expect(await env.DB.prepare("select count(*) as n from users where email = ?").bind(email).first<{ n: number }>()).toEqual({ n: 1 });
  }, 30_000);

  it("sends at most 3 sign-up emails per address an hour, silently (the answer stays 202)", async () => {
    const email = `flood-${crypto.randomUUID().slice(0, 8)}@example.test`;
    for (let i = 0; i < 5; i++) {
      expect((await postJson("/api/auth/register", { email, password: STRONG, name: "F" }, { "CF-Connecting-IP": freshIp() })).status).toBe(202);
    }
    await expect.poll(async () => (await listOutboxFor(env, email, "finish_registration")).length, { timeout: 10_000 }).toBe(3);
  }, 30_000);

  it.each([
    ["short", "abc12345"],
    ["common", "password1234"],
    ["a repeated character", "aaaaaaaaaaaaaa"],
    ["the email's name", "shopper-weak-2026!"],
  ])("refuses a %s password with 400 naming the field", async (_kind, password) => {
    const res = await postJson("/api/auth/register", { email: "shopper-weak@example.test", password, name: "W" }, { "CF-Connecting-IP": freshIp() });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(["password"]);
  });

  it("rejects mass assignment of a role with 400 and creates nothing", async () => {
    const email = "mallory@example.test";
    const res = await postJson("/api/auth/register", { email, password: STRONG, name: "Mallory", role: "admin" }, { "CF-Connecting-IP": freshIp() });
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([{ path: "role", message: "Unknown field" }]);
    const row = await env.DB.prepare("select count(*) as n from users where email = ?").bind(email).first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it("limits registrations per IP with 429 and Retry-After", async () => {
    const ip = freshIp();
    let last: Response | undefined;
    // Well-formed attempts count (these fail the password policy, after counting).
    for (let i = 0; i < 11; i++) {
      last = await postJson("/api/auth/register", { email: `burst${i}@example.test`, password: "password1234", name: "Burst" }, { "CF-Connecting-IP": ip });
    }
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("POST /api/auth/login", () => {
  it("signs in with the right password, in any email case; native clients get a refresh token in the body", async () => {
    const user = await insertUser(env.DB, { email: "native@example.test" });
    const res = await postJson(
      "/api/auth/login",
      { email: "NATIVE@example.test", password: user.password },
      { "CF-Connecting-IP": freshIp(), "X-Auth-Mode": "token" },
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await me(bearer(body.accessToken))).status).toBe(200);
  });

  it("gives the same 401 for a wrong password and an unknown email", async () => {
    const user = await insertUser(env.DB);
    const wrong = await postJson("/api/auth/login", { email: user.email, password: "not the password at all" }, { "CF-Connecting-IP": freshIp() });
    const unknown = await postJson("/api/auth/login", { email: "nobody@example.test", password: "not the password at all" }, { "CF-Connecting-IP": freshIp() });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await json(wrong), await json(unknown)];
    expect({ ...a, requestId: undefined }).toEqual({ ...b, requestId: undefined });
    expect(a.code).toBe("auth.invalid_credentials");
  });

  it("locks an account after 5 failures with 429 and Retry-After, even with the right password, from any IP", async () => {
    const user = await insertUser(env.DB);
    for (let i = 0; i < 5; i++) {
      expect((await postJson("/api/auth/login", { email: user.email, password: "wrong wrong wrong" }, { "CF-Connecting-IP": freshIp() })).status).toBe(401);
    }
    const locked = await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp() });
    expect(locked.status).toBe(429);
    expect((await json(locked)).code).toBe("auth.rate_limited");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(60);
  }, 20_000);
});

describe("access tokens", () => {
  const signingKey = () => JSON.parse(env.AUTH_SIGNING_KEY) as JWK;
  async function sign(claims: Record<string, unknown>, options: { key?: CryptoKey; aud?: string; exp?: number; typ?: string } = {}) {
    const jwk = signingKey();
    const key = options.key ?? ((await importJWK(jwk, "ES256")) as CryptoKey);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: "admin", sid: "ses_x", ims: Date.now(), ...claims })
      .setProtectedHeader({ alg: "ES256", kid: jwk.kid, typ: options.typ ?? "at+jwt" })
      .setSubject("usr_nobody")
      .setIssuer("edge-commerce")
      .setAudience(options.aud ?? "edge-commerce-api")
      .setIssuedAt(now - 10)
      .setExpirationTime(options.exp ?? now + 600)
      .sign(key);
  }

  it("rejects expired, forged, alg:none, wrong-audience and wrong-type tokens with 401", async () => {
    const { body } = await registerUser();
    const real = body.accessToken as string;
    const [header, payload] = real.split(".");
    const other = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${payload}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString()), role: "admin" })).toString("base64url")}.${real.split(".")[2]}`;
    const tokens = {
      expired: await sign({ sub: body.user.id }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      forged: await sign({ sub: body.user.id }, { key: (other as CryptoKeyPair).privateKey }),
      none,
      tampered,
      wrongAudience: await sign({ sub: body.user.id }, { aud: "another-api" }),
      wrongType: await sign({ sub: body.user.id }, { typ: "JWT" }),
      garbage: "not-a-token",
    };
    expect((await me(bearer(real))).status).toBe(200);
    for (const [kind, token] of Object.entries(tokens)) {
      const res = await me(bearer(token));
      expect(res.status, kind).toBe(401);
      expect((await json(res)).code, kind).toBe("auth.invalid_token");
    }
  });

  it("answers 401 without any credentials", async () => {
    const res = await me({});
    expect(res.status).toBe(401);
    expect((await json(res)).code).toBe("auth.unauthenticated");
  });
});

describe("sessions: refresh, sign-out, revocation", () => {
  it("rotates refresh tokens; a reused one ends every session of the user", async () => {
    const user = await insertUser(env.DB);
    const login = async () =>
      json(await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp(), "X-Auth-Mode": "token" }));
    const phone = await login();
    const laptop = await login();
    const rotated = await json(await postJson("/api/auth/refresh", { refreshToken: laptop.refreshToken }, { "X-Auth-Mode": "token" }));
    expect(rotated.refreshToken).not.toBe(laptop.refreshToken);
    expect((await me(bearer(rotated.accessToken))).status).toBe(200);
    // The old refresh token shows up again, after the few seconds two tabs may race in: stolen. Every session ends.
    await env.DB.prepare("update refresh_tokens set used_at = used_at - 60000 where user_id = ? and used_at is not null").bind(user.id).run();
    const reuse = await postJson("/api/auth/refresh", { refreshToken: laptop.refreshToken }, { "X-Auth-Mode": "token" });
    expect(reuse.status).toBe(401);
    expect((await me(bearer(rotated.accessToken))).status).toBe(401);
    expect((await me(bearer(phone.accessToken))).status).toBe(401);
    expect((await postJson("/api/auth/refresh", { refreshToken: rotated.refreshToken }, { "X-Auth-Mode": "token" })).status).toBe(401);
  }, 20_000);

  it("signs out this session only, or everywhere", async () => {
    const user = await insertUser(env.DB);
    const login = async () =>
      json(await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp(), "X-Auth-Mode": "token" }));
    const [a, b, c] = [await login(), await login(), await login()];
    expect((await postJson("/api/auth/logout", {}, bearer(a.accessToken))).status).toBe(204);
    expect((await me(bearer(a.accessToken))).status).toBe(401);
    expect((await me(bearer(b.accessToken))).status).toBe(200);
    expect((await postJson("/api/auth/logout", { everywhere: true }, bearer(b.accessToken))).status).toBe(204);
    expect((await me(bearer(b.accessToken))).status).toBe(401);
    expect((await me(bearer(c.accessToken))).status).toBe(401);
  }, 20_000);

  it("renews a browser session from the refresh cookie", async () => {
    const { cookie } = await registerUser();
    const refreshOnly = cookie.split("; ").filter((c) => c.startsWith("__Host-rt="))[0] as string;
    const res = await postJson("/api/auth/refresh", {}, { Cookie: refreshOnly });
    expect(res.status).toBe(200);
    expect((await me({ Cookie: cookiesFrom(res) })).status).toBe(200);
  });
});

describe("CSRF protection of cookie sessions", () => {
  it("refuses a cookie-carrying write from a foreign origin (403) or not in JSON (415)", async () => {
    const { cookie } = await registerUser();
    const foreign = await call("/api/me", {
      method: "PATCH",
      headers: { Cookie: cookie, "Content-Type": "application/json", Origin: "https://evil.example" },
      body: JSON.stringify({ name: "Pwned" }),
    });
    expect(foreign.status).toBe(403);
    expect((await json(foreign)).code).toBe("auth.csrf_origin");
    const crossSite = await call("/api/me", {
      method: "PATCH",
      headers: { Cookie: cookie, "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site" },
      body: "{}",
    });
    expect(crossSite.status).toBe(403);
    const form = await call("/api/me", {
      method: "PATCH",
      headers: { Cookie: cookie, "Content-Type": "text/plain", Origin: "http://store.test" },
      body: JSON.stringify({ name: "Pwned" }),
    });
    expect(form.status).toBe(415);
    expect((await json(await me({ Cookie: cookie }))).name).toBe("Ada Shopper");
  });
});

describe("password reset and email verification", () => {
  it("answers the same for known and unknown emails, and a reset link works once and ends every session", async () => {
    const { email, token } = await registerUser();
    const known = await postJson("/api/auth/password-reset", { email }, { "CF-Connecting-IP": freshIp() });
    const unknown = await postJson("/api/auth/password-reset", { email: "ghost@example.test" }, { "CF-Connecting-IP": freshIp() });
    expect(known.status).toBe(202);
    expect(await json(known)).toEqual(await json(unknown));
    const mail = await waitForEmail(email, "password_reset");
    const resetToken = /token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] as string;
    expect((await postJson("/api/auth/password-reset/confirm", { token: resetToken, password: "short" })).status).toBe(400);
    expect((await postJson("/api/auth/password-reset/confirm", { token: resetToken, password: "a brand new secret 42" })).status).toBe(204);
    expect((await postJson("/api/auth/password-reset/confirm", { token: resetToken, password: "a brand new secret 43" })).status).toBe(400);
    expect((await me(bearer(token))).status).toBe(401);
    const login = await postJson("/api/auth/login", { email, password: "a brand new secret 42" }, { "CF-Connecting-IP": freshIp() });
    expect(login.status).toBe(200);
  }, 20_000);

  it("verifies the email of an older, unverified account with a link it asks for", async () => {
    // Sign-ups are verified by their link; accounts from before (and made by the CLI) ask for one.
    const user = await insertUser(env.DB);
    const { email } = user;
    const token = (await json(await postJson("/api/auth/login", { email, password: user.password }, { "CF-Connecting-IP": freshIp() }))).accessToken;
    expect((await json(await me(bearer(token)))).emailVerified).toBe(false);
    expect((await postJson("/api/me/verify-email", {}, bearer(token))).status).toBe(202);
    const mail = await waitForEmail(email, "verify_email");
    expect(mail.subject).toBe("Confirm your email address");
    const verifyToken = /token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] as string;
    expect((await postJson("/api/auth/verify-email", { token: "x".repeat(43) })).status).toBe(400);
    expect((await postJson("/api/auth/verify-email", { token: verifyToken })).status).toBe(204);
    expect((await json(await me(bearer(token)))).emailVerified).toBe(true);
  }, 20_000);

  it("changing the password signs out other sessions and keeps this one", async () => {
    const { email, password, token: other } = await registerUser();
    const login = await json(await postJson("/api/auth/login", { email, password }, { "CF-Connecting-IP": freshIp() }));
    const wrong = await postJson("/api/me/password", { currentPassword: "nope nope nope", newPassword: "violet harbour 99 lamps" }, bearer(login.accessToken));
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).errors[0].path).toBe("currentPassword");
    const res = await postJson("/api/me/password", { currentPassword: password, newPassword: "violet harbour 99 lamps" }, bearer(login.accessToken));
    expect(res.status).toBe(200);
    const fresh = await json(res);
    expect((await me(bearer(other))).status).toBe(401);
    expect((await me(bearer(login.accessToken))).status).toBe(401);
    expect((await me(bearer(fresh.accessToken))).status).toBe(200);
  }, 20_000);
});

describe("profile", () => {
  it("updates name and phone; the phone is encrypted at rest; email and role cannot be changed here", async () => {
    const { token, body } = await registerUser();
    const res = await postJson("/api/me", { name: "Ada L.", phone: "+1 415 555 0100" }, bearer(token), "PATCH");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ name: "Ada L.", phone: "+1 415 555 0100" });
    const row = await env.DB.prepare("select phone_enc from users where id = ?").bind(body.user.id).first<{ phone_enc: string }>();
    expect(row?.phone_enc).not.toContain("555");
    expect(row?.phone_enc).toMatch(/^p-[\w-]+\.[\w-]+\.[\w-]+$/);
    const escalate = await postJson("/api/me", { role: "admin", email: "new@example.test" }, bearer(token), "PATCH");
    expect(escalate.status).toBe(400);
    expect((await json(escalate)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["email", "role"]);
    expect((await json(await me(bearer(token)))).role).toBe("customer");
  });
});

describe("address book", () => {
  const home = { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

  it("adds, lists, edits and deletes addresses; the first is the default; data is encrypted at rest", async () => {
    const { token } = await registerUser();
    const created = await json(await postJson("/api/me/addresses", home, bearer(token)));
    expect(created).toMatchObject({ ...home, isDefaultShipping: true, isDefaultBilling: true, line2: null });
    const work = await json(await postJson("/api/me/addresses", { ...home, line1: "500 Howard St", isDefaultShipping: true }, bearer(token)));
    const list = (await json(await call("/api/me/addresses", { headers: bearer(token) }))).items;
    expect(list.map((a: { line1: string; isDefaultShipping: boolean }) => [a.line1, a.isDefaultShipping])).toEqual([
      ["500 Howard St", true],
      ["1 Market St", false],
    ]);
    const raw = await env.DB.prepare("select data_enc from user_addresses where id = ?").bind(created.id).first<{ data_enc: string }>();
    expect(raw?.data_enc).not.toContain("Market");
    const edited = await json(await postJson(`/api/me/addresses/${created.id}`, { line2: "Suite 200" }, bearer(token), "PATCH"));
    expect(edited.line2).toBe("Suite 200");
    expect((await call(`/api/me/addresses/${work.id}`, { method: "DELETE", headers: bearer(token) })).status).toBe(204);
    const after = (await json(await call("/api/me/addresses", { headers: bearer(token) }))).items;
    expect(after).toHaveLength(1);
    expect(after[0].isDefaultShipping).toBe(true);
  });

  it.each([
    [{ ...home, region: undefined }, ["region"]],
    [{ ...home, postalCode: "9410" }, ["postalCode"]],
    [{ ...home, country: "CA", region: "ON", postalCode: "12345" }, ["postalCode"]],
    [{ ...home, country: "GB", region: undefined, postalCode: "SW1A 1AA", city: "" }, ["city"]],
    [{ ...home, country: "USA" }, ["country"]],
  ])("validates fields per country, naming them (%#)", async (address, paths) => {
    const { token } = await registerUser();
    const res = await postJson("/api/me/addresses", address, bearer(token));
    expect(res.status).toBe(400);
    expect((await json(res)).errors.map((e: { path: string }) => e.path)).toEqual(paths);
  });

  it("answers 404 for another user's address, for reading, editing and deleting", async () => {
    const owner = await registerUser();
    const thief = await registerUser();
    const address = await json(await postJson("/api/me/addresses", home, bearer(owner.token)));
    expect((await call(`/api/me/addresses/${address.id}`, { headers: bearer(thief.token) })).status).toBe(404);
    expect((await postJson(`/api/me/addresses/${address.id}`, { city: "Oakland" }, bearer(thief.token), "PATCH")).status).toBe(404);
    expect((await call(`/api/me/addresses/${address.id}`, { method: "DELETE", headers: bearer(thief.token) })).status).toBe(404);
    expect((await json(await call(`/api/me/addresses/${address.id}`, { headers: bearer(owner.token) }))).city).toBe("San Francisco");
  });
});

describe("roles", () => {
  it("lets only an admin grant roles: customer 403, anonymous 401; the new role applies at once", async () => {
    const admin = await insertUser(env.DB, { role: "admin" });
    const adminToken = (await json(await passwordSignIn(admin, { "CF-Connecting-IP": freshIp() }))).accessToken;
    const customer = await registerUser();
    const asCustomer = await postJson(`/api/admin/users/${customer.body.user.id}/role`, { role: "admin" }, bearer(customer.token), "PUT");
    expect(asCustomer.status).toBe(403);
    expect((await json(asCustomer)).code).toBe("auth.forbidden");
    expect((await postJson(`/api/admin/users/${customer.body.user.id}/role`, { role: "admin" }, {}, "PUT")).status).toBe(401);
    expect((await postJson(`/api/admin/users/${customer.body.user.id}/role`, { role: "emperor" }, bearer(adminToken), "PUT")).status).toBe(400);
    const granted = await postJson(`/api/admin/users/${customer.body.user.id}/role`, { role: "vendor" }, bearer(adminToken), "PUT");
    expect(granted.status).toBe(200);
    expect((await json(granted)).role).toBe("vendor");
    // Sessions issued under the old role end.
    expect((await me(bearer(customer.token))).status).toBe(401);
  }, 20_000);

  it("disabling an account ends its sessions at once and blocks sign-in", async () => {
    const admin = await insertUser(env.DB, { role: "admin" });
    const adminToken = (await json(await passwordSignIn(admin, { "CF-Connecting-IP": freshIp() }))).accessToken;
    const { body, token, email, password } = await registerUser();
    expect((await postJson(`/api/admin/users/${body.user.id}/disable`, {}, bearer(adminToken))).status).toBe(200);
    expect((await me(bearer(token))).status).toBe(401);
    expect((await postJson("/api/auth/login", { email, password }, { "CF-Connecting-IP": freshIp() })).status).toBe(401);
  }, 20_000);
});

describe("OAuth 2.0 sign-in", () => {
  it("starts with PKCE S256 and state, and keeps them in an encrypted __Host- cookie", async () => {
    const res = await call("/api/auth/oauth/github?returnTo=/account/addresses", { redirect: "manual" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") as string);
    expect(location.origin + location.pathname).toBe("http://oauth.invalid/github/login/oauth/authorize");
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("redirect_uri")).toBe("http://store.test/api/auth/oauth/github/callback");
    const cookie = res.headers.getSetCookie()[0] as string;
    expect(cookie).toMatch(/^__Host-oauth=[^;]+; Max-Age=600; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain(location.searchParams.get("state") as string);
  });

  it("refuses a callback whose state does not match (400), and one without the cookie", async () => {
    const start = await call("/api/auth/oauth/github", { redirect: "manual" });
    const cookie = cookiesFrom(start);
    const wrong = await call("/api/auth/oauth/github/callback?code=abc&state=forged-state-value", { headers: { Cookie: cookie }, redirect: "manual" });
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).code).toBe("auth.oauth_state_mismatch");
    const state = new URL(start.headers.get("location") as string).searchParams.get("state");
    const noCookie = await call(`/api/auth/oauth/github/callback?code=abc&state=${state}`, { redirect: "manual" });
    expect(noCookie.status).toBe(400);
  });

  it("answers 404 for a provider that is not configured and 400 for an unknown one", async () => {
    expect((await call("/api/auth/oauth/google", { redirect: "manual" })).status).toBe(404);
    expect((await call("/api/auth/oauth/myspace", { redirect: "manual" })).status).toBe(400);
  });
});
