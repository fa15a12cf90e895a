import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signAccessToken } from "../../worker/accounts/tokens";
import { insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json, postJson } from "../support/http";

const me = (headers: Record<string, string>) => call("/api/me", { headers });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const refresh = (refreshToken: string) => postJson("/api/auth/refresh", { refreshToken }, { "X-Auth-Mode": "token" });

async function nativeSignIn(user: { email: string; password: string }) {
  return json(await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp(), "X-Auth-Mode": "token" }));
}

/** An access token of the same session that expired 5 minutes ago. */
async function expiredTwin(accessToken: string): Promise<string> {
  const claims = JSON.parse(Buffer.from(accessToken.split(".")[1] as string, "base64url").toString()) as { sub: string; role: "customer"; sid: string };
  return signAccessToken(env, { sub: claims.sub, role: claims.role, sid: claims.sid }, Date.now() - 20 * 60_000);
}

describe("POST /api/auth/logout with an expired access token", () => {
  it("a native client (expired Bearer + its refresh token) ends the session", async () => {
    const user = await insertUser(env.DB);
    const session = await nativeSignIn(user);
    const other = await nativeSignIn(user);
    const expired = await expiredTwin(session.accessToken);
    expect((await me(bearer(expired))).status).toBe(401);
    const out = await postJson("/api/auth/logout", { refreshToken: session.refreshToken }, bearer(expired));
    expect(out.status).toBe(204);
    // The session is over: its refresh token and even its unexpired access token stop working; others go on.
    expect((await refresh(session.refreshToken)).status).toBe(401);
    expect((await me(bearer(session.accessToken))).status).toBe(401);
    expect((await me(bearer(other.accessToken))).status).toBe(200);
  }, 60_000);

  it("a browser whose access cookie has expired (only the refresh cookie left) ends the session", async () => {
    const user = await insertUser(env.DB);
    const login = await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp() });
    const { accessToken } = await json(login);
    const refreshCookie = cookiesFrom(login)
      .split("; ")
      .find((c) => c.startsWith("__Host-rt=")) as string;
    const out = await postJson("/api/auth/logout", {}, { Cookie: refreshCookie });
    expect(out.status).toBe(204);
    expect((await postJson("/api/auth/refresh", {}, { Cookie: refreshCookie })).status).toBe(401);
    expect((await me(bearer(accessToken))).status).toBe(401);
  }, 60_000);

  it("everywhere: true with an expired token ends every session of the account", async () => {
    const user = await insertUser(env.DB);
    const a = await nativeSignIn(user);
    const b = await nativeSignIn(user);
    expect((await postJson("/api/auth/logout", { everywhere: true, refreshToken: a.refreshToken }, bearer(await expiredTwin(a.accessToken)))).status).toBe(204);
    expect((await me(bearer(b.accessToken))).status).toBe(401);
    expect((await refresh(b.refreshToken)).status).toBe(401);
  }, 60_000);
});

describe("refresh: concurrent use versus replay", () => {
  it("two tabs refreshing at the same moment both keep the session", async () => {
    const user = await insertUser(env.DB);
    const session = await nativeSignIn(user);
    const [first, second] = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const [a, b] = [await json(first), await json(second)];
    expect((await me(bearer(a.accessToken))).status).toBe(200);
    expect((await me(bearer(b.accessToken))).status).toBe(200);
    expect((await refresh(a.refreshToken)).status).toBe(200);
    expect((await refresh(b.refreshToken)).status).toBe(200);
  }, 60_000);

  it("a replay after the grace window ends every session of the account", async () => {
    const user = await insertUser(env.DB);
    const phone = await nativeSignIn(user);
    const laptop = await nativeSignIn(user);
    const rotated = await json(await refresh(laptop.refreshToken));
    // Seconds later the same token is still the concurrent-refresh race; a minute later it is a replay.
    await env.DB.prepare("update refresh_tokens set used_at = used_at - 60000 where user_id = ? and used_at is not null").bind(user.id).run();
    expect((await refresh(laptop.refreshToken)).status).toBe(401);
    expect((await me(bearer(rotated.accessToken))).status).toBe(401);
    expect((await me(bearer(phone.accessToken))).status).toBe(401);
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
  }, 60_000);
});
