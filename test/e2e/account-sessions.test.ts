import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByApi } from "./sign-up";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store in this file's port slot (E2E_PORT + 60 by default).
const PORT = Number(process.env.E2E_SESSIONS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 56);
const SHOPPER = { email: "many-devices@example.test", password: "juniper lantern 8 softly", name: "Mo Devices" };
const PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const WINDOWS_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0";

let browser: Browser;
let store: Awaited<ReturnType<typeof startStore>>;

beforeAll(async () => {
  browser = await launchBrowser();
  store = await startStore({ port: PORT, products: 3 });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await store?.stop();
});

/** Signs the shopper in from another "device" over HTTP; answers its session cookies. */
async function signInElsewhere(userAgent: string, place: { city: string; country: string }, ip: string): Promise<string> {
  const res = await fetch(`${store.baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": userAgent, "CF-IPCity": place.city, "CF-IPCountry": place.country, "CF-Connecting-IP": ip },
    body: JSON.stringify({ email: SHOPPER.email, password: SHOPPER.password }),
  });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}
const stillSignedIn = async (cookie: string) => (await fetch(`${store.baseUrl}/api/me`, { headers: { Cookie: cookie } })).status === 200;

describe("/account/security: where the account is signed in, without JavaScript", () => {
  it("lists every device with its place and last use, marks this one, signs one out, then everywhere else", async () => {
    const registered = await signUpByApi(store, SHOPPER, { "CF-Connecting-IP": "198.51.100.61" });
    expect(registered.status).toBe(201);
    const phone = await signInElsewhere(PHONE_UA, { city: "Lisbon", country: "PT" }, "198.51.100.62");
    const windows = await signInElsewhere(WINDOWS_UA, { city: "Toronto", country: "CA" }, "198.51.100.63");

    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/account/login?returnTo=%2Faccount%2Fsecurity");
    await signInOnPage(page, SHOPPER);
    await page.waitForURL(/\/account\/security$/);

    const list = page.getByRole("region", { name: "Where you are signed in" });
    const items = list.getByRole("listitem");
    // The register call's session, the phone, the Windows laptop, and this browser.
    await expect.poll(() => items.count()).toBe(4);
    const current = list.locator('li[aria-current="true"]');
    expect(await current.count()).toBe(1);
    expect(await current.textContent()).toContain("This device");
    expect(await current.textContent()).toMatch(/Chrome on Linux/);
    expect(await current.getByRole("button").count()).toBe(0);
    const windowsRow = items.filter({ hasText: "Firefox on Windows" });
    expect(await windowsRow.textContent()).toContain("Toronto, CA");
    expect(await windowsRow.textContent()).toMatch(/last seen .+ · signed in/);
    expect(await items.filter({ hasText: "Safari on iOS" }).textContent()).toContain("Lisbon, PT");
    await screenshot(page, "account-sessions-390");
    await page.setViewportSize(VIEWPORTS.desktop);
    await screenshot(page, "account-sessions-1280");

    await windowsRow.getByRole("button", { name: /Sign out Firefox on Windows/ }).click();
    await expect.poll(() => page.getByText("That device is signed out.").isVisible()).toBe(true);
    await expect.poll(() => items.count()).toBe(3);
    expect(await stillSignedIn(windows)).toBe(false);
    expect(await stillSignedIn(phone)).toBe(true);

    await page.getByRole("button", { name: "Sign out everywhere else" }).click();
    await expect.poll(() => page.getByText("Every other device is signed out.").isVisible()).toBe(true);
    await expect.poll(() => items.count()).toBe(1);
    expect(await list.locator('li[aria-current="true"]').count()).toBe(1);
    expect(await page.getByRole("button", { name: "Sign out everywhere else" }).count()).toBe(0);
    expect(await stillSignedIn(phone)).toBe(false);
    // This browser is still signed in.
    await page.goto("/account/security");
    await page.waitForURL(/\/account\/security$/);
    await context.close();
  }, 120_000);
});
