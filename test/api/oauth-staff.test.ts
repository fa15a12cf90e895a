import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { purgeStoreCache } from "../../worker/store";
import { insertUser } from "../support/factories";
import { fakeGithubCode } from "../support/fake-github-service";
import { call, cookiesFrom, json } from "../support/http";
import { send, signIn } from "../support/staff";

let githubId = 9000;

/** Starts a GitHub sign-in and comes back from the (fake) provider as the GitHub user with `email`. */
async function signInWithGithub(email: string, accept = "text/html"): Promise<Response> {
  const start = await call("/api/auth/oauth/github", { redirect: "manual" });
  expect(start.status).toBe(302);
  const state = new URL(start.headers.get("location") as string).searchParams.get("state");
  return call(`/api/auth/oauth/github/callback?code=${fakeGithubCode(++githubId, email)}&state=${state}`, {
    headers: { Cookie: cookiesFrom(start), Accept: accept },
    redirect: "manual",
  });
}

const identitiesOf = async (userId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM oauth_identities WHERE user_id = ?").bind(userId).first<{ n: number }>())?.n ?? 0;
const sessionSet = (res: Response) => res.headers.getSetCookie().some((c) => /^__Host-(at|rt)=[^;]+/.test(c));

describe("OAuth never links a staff account by its email", () => {
  it("a shopper's account with the same verified email is linked and signed in (the provider's word is enough there)", async () => {
    const shopper = await insertUser(env.DB, { role: "customer" });
    const res = await signInWithGithub(shopper.email);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/account");
    expect(sessionSet(res)).toBe(true);
    expect(await identitiesOf(shopper.id)).toBe(1);
  });

  it("with the staff second factor switched off, support, admin and vendor accounts are still refused: sent to sign in with the password, nothing linked", async () => {
    const admin = await signIn("admin");
    expect((await send("/api/admin/settings/security", "PATCH", admin.headers, { staffSecondFactorRequired: false })).status).toBe(200);
    purgeStoreCache();
    for (const role of ["support", "admin", "vendor"] as const) {
      const staff = await insertUser(env.DB, { role });
      const page = await signInWithGithub(staff.email);
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toBe("/account/login?oauth=staff");
      expect(sessionSet(page)).toBe(false);
      const api = await signInWithGithub(staff.email, "application/json");
      expect(api.status).toBe(409);
      expect((await json(api)).code).toBe("auth.oauth_staff_password");
      expect(sessionSet(api)).toBe(false);
      expect(await identitiesOf(staff.id)).toBe(0);
    }
  });
});
