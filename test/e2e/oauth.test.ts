// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads the rendered text on purpose (what a shopper sees).
import { createHash } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { nextCode } from "../support/second-factor";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { type FakeIdentity, type LoggedRequest, E2E_OAUTH_CLIENT as OAUTH_CLIENT } from "./fake-oauth-provider";
import { signUpByRequest, signUpLink } from "./sign-up";

// Sign-in with GitHub against the fake provider started by global-setup: the browser follows
// real redirects to it and back, and the store exchanges the code over real HTTP.
const baseUrl = inject("baseUrl");
const oauthOrigin = inject("oauthOrigin");
const persistDir = inject("persistDir");
const STRONG = "saffron kettle 7 quietly";
const CALLBACK = `${baseUrl}/api/auth/oauth/github/callback`;
const OAUTH_CLIENT_FORM = { client_id: OAUTH_CLIENT.clientId, client_secret: OAUTH_CLIENT.clientSecret };
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
});

async function openPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl, extraHTTPHeaders: { "CF-Connecting-IP": freshIp() } });
  contexts.push(context);
  return context.newPage();
}

const uniqueEmail = (who: string) => `${who}-${crypto.randomUUID().slice(0, 8)}@example.test`;
let ipCounter = 0;
/**
 * A client IP of its own per browser or API caller (sent as CF-Connecting-IP, which
 * the local runtime passes through and Cloudflare's edge sets), so the store's
 * per-IP limits (10 registrations an hour) count each simulated shopper separately.
 */
const freshIp = () => `192.0.2.${(++ipCounter % 250) + 1}`;
let nextGithubId = 5000;

/** The GitHub user the fake provider signs the next authorization in as. */
async function useGithubIdentity(identity: Partial<FakeIdentity> & { email: string }): Promise<FakeIdentity> {
  const full: FakeIdentity = { id: nextGithubId++, login: "octocat", name: "Mona Octocat", verified: true, ...identity };
  const res = await fetch(`${oauthOrigin}/_test/identity`, { method: "PUT", body: JSON.stringify(full) });
  expect(res.status).toBe(200);
  return full;
}

async function providerLog(): Promise<LoggedRequest[]> {
  return (await fetch(`${oauthOrigin}/_test/log`)).json() as Promise<LoggedRequest[]>;
}

/** From the sign-in page to the provider's consent page; returns the authorize request's parameters. */
async function goToGithub(page: Page): Promise<URLSearchParams> {
  await page.goto("/account/login");
  await page.getByRole("link", { name: "Sign in with GitHub" }).click();
  await page.waitForURL((url) => url.href.startsWith(`${oauthOrigin}/github/login/oauth/authorize?`));
  await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Authorize Northwind Goods");
  return new URL(page.url()).searchParams;
}

async function me(page: Page): Promise<{ id: string; email: string; name: string; emailVerified: boolean; hasPassword: boolean }> {
  const res = await page.request.get("/api/me");
  expect(res.status()).toBe(200);
  return res.json();
}

describe("sign in with GitHub (OAuth 2.0 authorization code + PKCE)", () => {
  it("goes to the provider, authorizes, and lands back signed in on /account after a real, PKCE-checked code exchange", async () => {
    const identity = await useGithubIdentity({ login: "octo-new", name: "Octavia Butler", email: uniqueEmail("octavia") });
    const page = await openPage();
    const params = await goToGithub(page);
    expect(Object.fromEntries(params)).toMatchObject({
      response_type: "code",
      client_id: OAUTH_CLIENT.clientId,
      redirect_uri: CALLBACK,
      code_challenge_method: "S256",
      scope: "read:user user:email",
    });
    expect(params.get("state")).toMatch(/^[\w-]{40,}$/);
    expect(params.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    await screenshot(page, "oauth-fake-github-consent");

    await page.getByRole("button", { name: "Authorize" }).click();
    await page.waitForURL(`${baseUrl}/account`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Hello, Octavia");
    expect(await page.getByText("Verified", { exact: true }).isVisible()).toBe(true);
    expect(await me(page)).toMatchObject({ email: identity.email, name: "Octavia Butler", emailVerified: true, hasPassword: false });
    // The one-time state cookie is gone; the session cookies are set.
    const cookies = (await page.context().cookies()).map((c) => c.name);
    expect(cookies).toEqual(expect.arrayContaining(["__Host-at", "__Host-rt"]));
    expect(cookies).not.toContain("__Host-oauth");

    // What the provider received: the code redeemed once with the client secret and a verifier matching the challenge.
    const log = await providerLog();
    const exchanges = log.filter((e) => e.path === "/github/login/oauth/access_token");
    const exchange = exchanges.at(-1);
    expect(exchange).toMatchObject({
      status: 200,
      pkce: "ok",
      form: { grant_type: "authorization_code", client_id: OAUTH_CLIENT.clientId, client_secret: OAUTH_CLIENT.clientSecret, redirect_uri: CALLBACK },
    });
    const verifier = exchange?.form.code_verifier ?? "";
    expect(verifier).toMatch(/^[\w-]{43,128}$/);
    expect(createHash("sha256").update(verifier).digest("base64url")).toBe(params.get("code_challenge"));
    const apiCalls = log.filter((e) => e.path.startsWith("/github/api/")).slice(-2);
    expect(apiCalls.map((e) => [e.path, e.status])).toEqual([
      ["/github/api/user", 200],
      ["/github/api/user/emails", 200],
    ]);
    for (const call of apiCalls) expect(call.authorization).toMatch(/^Bearer gho_/);

    // An account made by GitHub has no password: the profile page says how to add one.
    await page.goto("/account/profile");
    expect(await page.getByText("You sign in with GitHub or Google").isVisible()).toBe(true);
  });

  it("links GitHub to an account made by signing up with the same email: the same account, its password kept", async () => {
    const email = uniqueEmail("linus");
    const page = await openPage();
    await page.goto("/account/register");
    await page.getByLabel("Your name").fill("Linus Pauling");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(STRONG);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.getByRole("status").first().innerText()).toMatch(/^Check your email to finish/);
    // Nothing exists before the emailed link is followed, so nobody can pre-register an address they do not own.
    await page.goto(await signUpLink(persistDir, email));
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL(/\/account\?done=welcome$/);
    const before = await me(page);
    expect(before.emailVerified).toBe(true);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(/done=signed-out$/);

    // GitHub vouches for the same address (in another letter case).
    await useGithubIdentity({ login: "lpauling", name: "L. P. on GitHub", email: email.toUpperCase() });
    await goToGithub(page);
    await page.getByRole("button", { name: "Authorize" }).click();
    await page.waitForURL(`${baseUrl}/account`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Hello, Linus");
    const after = await me(page);
    // Same account; the address was proved by the sign-up link, so its password stays.
    expect(after).toMatchObject({ id: before.id, email, name: "Linus Pauling", emailVerified: true, hasPassword: true });
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(/done=signed-out$/);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(STRONG);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${baseUrl}/account`);
  });

  it("never links or signs in an account that has a second factor: the shopper is sent to sign in with the password and code", async () => {
    const email = uniqueEmail("guarded");
    const page = await openPage();
    const registered = await signUpByRequest(page.request, { baseUrl, persist: persistDir }, { email, password: STRONG, name: "Grace Guarded" });
    expect(registered.status()).toBe(201);
    const started = await page.request.post("/api/me/mfa/totp", { headers: { Origin: baseUrl } });
    expect(started.status()).toBe(201);
    const { secret } = (await started.json()) as { secret: string };
    const confirmed = await page.request.post("/api/me/mfa/totp/confirm", { data: { code: await nextCode(secret) }, headers: { Origin: baseUrl } });
    expect(confirmed.status()).toBe(200);
    const account = await me(page);
    await page.context().clearCookies();

    await useGithubIdentity({ login: "grace-gh", name: "Grace Guarded", email });
    await goToGithub(page);
    await page.getByRole("button", { name: "Authorize" }).click();
    await page.waitForURL(/\/account\/login\?oauth=second-factor$/);
    await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("password and a second factor");
    expect((await page.request.get("/api/me")).status()).toBe(401);
    // Still the one account, with no GitHub identity added: the password and a code sign in.
    const again = await page.request.post("/api/auth/login", { data: { email, password: STRONG, code: await nextCode(secret) }, headers: { Origin: baseUrl } });
    expect(again.status()).toBe(200);
    expect((await me(page)).id).toBe(account.id);
  });

  it("answers a callback with a tampered state with the 400 problem and signs nobody in; the untouched callback then works", async () => {
    await useGithubIdentity({ login: "mallory-target", name: "Tamper Test", email: uniqueEmail("tamper") });
    const page = await openPage();
    const params = await goToGithub(page);

    // Stop the browser at the provider's redirect back to the store, to edit the URL it carries.
    let location = "";
    await page.route(`${oauthOrigin}/github/login/oauth/authorize`, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      const response = await route.fetch({ maxRedirects: 0 });
      location = response.headers().location ?? "";
      await route.fulfill({ status: 200, contentType: "text/plain", body: "Stopped before going back to the store." });
    });
    await page.getByRole("button", { name: "Authorize" }).click();
    await expect.poll(() => location).not.toBe("");
    await page.unrouteAll();
    const original = new URL(location);
    expect(original.href.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(original.searchParams.get("state")).toBe(params.get("state"));
    const tampered = new URL(original);
    tampered.searchParams.set("state", `${params.get("state")?.slice(0, -4)}AAAA`);

    const exchangesBefore = (await providerLog()).filter((e) => e.path === "/github/login/oauth/access_token").length;
    const res = await page.request.get(tampered.href, { maxRedirects: 0 });
    expect(res.status()).toBe(400);
    expect(res.headers()["content-type"]).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 400, code: "auth.oauth_state_mismatch", errors: [{ path: "state" }] });
    expect(res.headers()["set-cookie"] ?? "").not.toContain("__Host-at=");
    // The code was never redeemed, and nobody is signed in.
    expect((await providerLog()).filter((e) => e.path === "/github/login/oauth/access_token").length).toBe(exchangesBefore);
    expect((await page.request.get("/api/me")).status()).toBe(401);
    // A person's browser is not shown raw JSON: it lands on the sign-in page with an explanation.
    const shown = await (await openPage()).goto(tampered.href);
    expect(new URL(shown?.url() ?? "").pathname + new URL(shown?.url() ?? "").search).toBe("/account/login?oauth=state");

    // The same callback with the state the store issued signs in.
    await page.goto(original.href);
    await page.waitForURL(`${baseUrl}/account`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Hello, Tamper");
  });

  it("has a provider that really checks PKCE: a code sent with the wrong verifier is refused", async () => {
    const verifier = "a".repeat(43);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const authorize = await fetch(`${oauthOrigin}/github/login/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        response_type: "code",
        client_id: OAUTH_CLIENT.clientId,
        redirect_uri: CALLBACK,
        state: "s".repeat(43),
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
    });
    expect(authorize.status).toBe(302);
    const code = new URL(authorize.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const exchange = (codeVerifier: string) =>
      fetch(`${oauthOrigin}/github/login/oauth/access_token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, ...OAUTH_CLIENT_FORM, code_verifier: codeVerifier }),
      });
    const wrong = await exchange("b".repeat(43));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: "invalid_grant" });
    expect((await providerLog()).at(-1)).toMatchObject({ path: "/github/login/oauth/access_token", pkce: "mismatch", status: 400 });
    // Codes are single-use: the right verifier is too late now.
    expect((await exchange(verifier)).status).toBe(400);
  });
});
