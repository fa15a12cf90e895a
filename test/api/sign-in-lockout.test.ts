import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { insertUser } from "../support/factories";
import { freshIp, json, postJson } from "../support/http";
import { codeFor, currentCode, keyOf } from "../support/second-factor";
import { passwordSignIn } from "../support/staff";

// Sign-ins hash passwords (scrypt) and may wait for the next authenticator step.
vi.setConfig({ testTimeout: 60_000 });

const login = (body: Record<string, unknown>) => postJson("/api/auth/login", body, { "CF-Connecting-IP": freshIp() });

async function lock(email: string) {
  for (let i = 0; i < 5; i++) expect((await login({ email, password: `wrong guess number ${i}` })).status).toBe(401);
}

describe("the per-account lockout", () => {
  it("answers a clear 429 problem naming the email field, with Retry-After, the same for an unknown email", async () => {
    const user = await insertUser(env.DB);
    await lock(user.email);
    await lock("nobody-at-all@example.test");
    const known = await login({ email: user.email, password: user.password });
    const unknown = await login({ email: "nobody-at-all@example.test", password: user.password });
    expect([known.status, unknown.status]).toEqual([429, 429]);
    expect(known.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(known.headers.get("retry-after"))).toBeGreaterThan(60);
    const [a, b] = [await json(known), await json(unknown)];
    expect(a).toMatchObject({ code: "auth.rate_limited", status: 429, errors: [{ path: "email" }] });
    expect(a.detail ?? a.message ?? a.title).toMatch(/reset your password/);
    expect({ ...a, requestId: undefined }).toEqual({ ...b, requestId: undefined });
  });

  it("a password reset ends it: the owner signs in with the new password at once", async () => {
    const user = await insertUser(env.DB);
    await lock(user.email);
    expect((await login({ email: user.email, password: user.password })).status).toBe(429);

    expect((await postJson("/api/auth/password-reset", { email: user.email }, { "CF-Connecting-IP": freshIp() })).status).toBe(202);
    let token = "";
    await expect
      .poll(
        async () => {
          const row = await env.DB.prepare("select text from email_outbox where to_address = ? and template = 'password_reset'")
            .bind(user.email)
            .first<{ text: string }>();
          token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(row?.text ?? "")?.[1] ?? "";
          return token;
        },
        { timeout: 10_000, interval: 200 },
      )
      .not.toBe("");
    expect((await postJson("/api/auth/password-reset/confirm", { token, password: "a fresh password after the lock" })).status).toBe(204);
    expect((await login({ email: user.email, password: "a fresh password after the lock" })).status).toBe(200);
  });

  it("the right password with a right authenticator code ends it; without the code, or with a wrong one, it holds", async () => {
    const staff = await insertUser(env.DB, { role: "admin" });
    expect((await passwordSignIn(staff, { "CF-Connecting-IP": freshIp() })).status).toBe(200);
    await lock(staff.email);

    expect((await login({ email: staff.email, password: staff.password })).status).toBe(429);
    const wrongCode = String((Number(currentCode(keyOf(staff.email) as string)) + 1) % 1_000_000).padStart(6, "0");
    expect((await login({ email: staff.email, password: staff.password, code: wrongCode })).status).toBe(429);
    // A right code with a wrong password does not unlock either (and reveals nothing new).
    expect((await login({ email: staff.email, password: "still not the password", code: await codeFor(staff.email) })).status).toBe(429);

    const unlocked = await login({ email: staff.email, password: staff.password, code: await codeFor(staff.email) });
    expect(unlocked.status).toBe(200);
    // The count starts again: a wrong password is a plain 401, not the lock.
    expect((await login({ email: staff.email, password: "wrong again after unlock" })).status).toBe(401);
  });

  it("a customer without an authenticator cannot use a code to get past it", async () => {
    const user = await insertUser(env.DB);
    await lock(user.email);
    expect((await login({ email: user.email, password: user.password, code: "123456" })).status).toBe(429);
  });
});
