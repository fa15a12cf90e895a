import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Passkeys in a real Chromium with its virtual authenticator (DevTools protocol `WebAuthn.*`): add one on
// /account/security, sign out, sign in with password + passkey, confirm a refund with it.
// WebAuthn refuses an IP address as relying-party id, so the browser talks to `localhost` (mapped to 127.0.0.1).
const PORT = Number(process.env.E2E_PORT ?? 8790) + 64;
const ADMIN = { email: "passkey-admin@example.test", password: "passkey admin password 64" };

let browser: Browser;
let store: Awaited<ReturnType<typeof startStore>>;
let base: string;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
      "--host-resolver-rules=MAP localhost 127.0.0.1",
    ],
  });
  store = await startStore({ port: PORT, products: 3, admin: ADMIN });
  base = `http://localhost:${PORT}`;
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await store?.stop();
});

/** A virtual platform authenticator (user verification on, presence given automatically) on this page. */
async function addVirtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials };
}

/** A paid guest order placed through the API, as the shop's own pages would. */
async function paidOrder(context: BrowserContext): Promise<string> {
  const headers = { Origin: base };
  const list = (await (await context.request.get("/api/products?inStock=true&perPage=50")).json()) as { items: { slug: string }[] };
  for (const { slug } of list.items) {
    const detail = (await (await context.request.get(`/api/products/${slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
    const variant = detail.variants.find((v) => v.stockStatus === "in_stock");
    if (!variant) continue;
    expect((await context.request.post("/api/cart/items", { data: { sku: variant.sku, quantity: 1 }, headers })).status()).toBe(200);
    const placed = await context.request.post("/api/checkout", {
      data: {
        email: "passkey-refund@example.test",
        shippingAddress: { fullName: "Ada", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
        shippingOption: "standard",
      },
      headers,
    });
    expect(placed.status()).toBe(201);
    const body = (await placed.json()) as { orderId: string; payment: { redirectUrl: string } };
    const paymentId = body.payment.redirectUrl.split("/").pop();
    expect((await context.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers })).status()).toBe(200);
    return body.orderId;
  }
  throw new Error("no product in stock");
}

describe("a staff member's passkey in Chromium (virtual authenticator)", () => {
  it("adds a passkey, signs out, signs in with password + passkey, and confirms a refund with it", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: base });
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(context, page);

    await page.goto("/account/login?returnTo=%2Faccount%2Fsecurity");
    await signInOnPage(page, ADMIN);
    await page.waitForURL(/\/account\/security$/);
    // Refunds above 1.00 need a factor from the last minute (the smallest window), so the sign-in's goes stale below.
    const tighter = await page.request.patch("/api/admin/settings/security", { data: { reauthMinutes: 1, reauthRefundAbove: 100 }, headers: { Origin: base } });
    expect(tighter.status()).toBe(200);

    const add = page.getByRole("form", { name: "Add a passkey" });
    await add.getByLabel("Name for the new passkey").fill("Virtual key");
    await add.getByRole("button", { name: "Add a passkey" }).click();
    await page.waitForURL(/done=passkey-added/);
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Your passkey is added");
    const list = page.getByRole("list", { name: "Your passkeys" });
    expect(await list.getByRole("listitem").count()).toBe(1);
    expect(await list.textContent()).toContain("Virtual key");
    expect(await authenticator.credentials()).toHaveLength(1);
    await screenshot(page, "passkeys-security");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "passkeys-security");
    await page.setViewportSize(VIEWPORTS.desktop);

    // Sign out, then back in: the password step now offers the passkey.
    await page.locator('form[action="/account/logout"] button').first().click();
    await page.waitForURL(/\/account\/login/);
    expect((await page.request.get("/api/me")).status()).toBe(401);
    await page.goto("/account/login?returnTo=%2Fadmin");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Confirm it is you");
    expect((await page.request.get("/api/me")).status()).toBe(401);
    await screenshot(page, "passkeys-sign-in");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "passkeys-sign-in");
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await page.waitForURL(/\/admin$/);
    const signedInAt = Date.now();
    expect((await page.request.get("/api/me")).status()).toBe(200);
    const signCount = (await authenticator.credentials())[0]?.signCount ?? 0;
    expect(signCount).toBeGreaterThan(0);

    // A refund above the threshold, with the factor older than the window: refused until the passkey confirms it.
    const shopper = await browser.newContext({ baseURL: base });
    const orderId = await paidOrder(shopper);
    await shopper.close();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, signedInAt + 62_000 - Date.now())));
    await page.goto(`/admin/orders/${orderId}`);
    const refund = page.getByRole("form", { name: "Refund", exact: true });
    await refund.getByLabel("Reason").fill("damaged in transit");
    await refund.getByRole("checkbox").check();
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), refund.getByRole("button", { name: "Refund" }).click()]);
    expect(refused.status()).toBe(403);
    await expect.poll(() => page.locator("#refund-reauth-error").textContent()).toMatch(/passkey/);

    const again = page.getByRole("form", { name: "Refund", exact: true });
    await again.getByRole("button", { name: "Use a passkey instead" }).click();
    await expect.poll(() => again.getByRole("status").textContent()).toContain("Confirmed with your passkey");
    await screenshot(page, "passkeys-refund-reauth");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "passkeys-refund-reauth");
    await page.setViewportSize(VIEWPORTS.desktop);
    await again.getByLabel("Reason").fill("damaged in transit");
    await again.getByRole("checkbox").check();
    await again.getByRole("button", { name: "Refund" }).click();
    await page.waitForURL(/done=refund/);
    expect(((await authenticator.credentials())[0]?.signCount ?? 0) > signCount).toBe(true);
    await context.close();
  }, 240_000);

  it("says so where passkeys cannot work: JavaScript off, or a browser without WebAuthn", async () => {
    const noScript = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: base, javaScriptEnabled: false });
    const page = await noScript.newPage();
    await page.goto("/account/login?returnTo=%2Faccount%2Fsecurity");
    await signInOnPage(page, ADMIN);
    await page.goto("/account/security");
    expect(await page.getByRole("form", { name: "Add a passkey" }).textContent()).toContain("needs JavaScript");
    expect(await page.getByRole("button", { name: "Add a passkey" }).isDisabled()).toBe(true);
    await noScript.close();

    const old = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: base });
    await old.addInitScript(() => {
      // A browser from before WebAuthn.
      Reflect.deleteProperty(window, "PublicKeyCredential");
    });
    const oldPage = await old.newPage();
    await oldPage.goto("/account/login");
    await oldPage.getByLabel("Email").fill(ADMIN.email);
    await oldPage.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await oldPage.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => oldPage.getByText("This browser cannot use passkeys").isVisible()).toBe(true);
    expect(await oldPage.getByRole("button", { name: "Use a passkey" }).count()).toBe(0);
    await screenshot(oldPage, "passkeys-unsupported");
    await old.close();
  }, 120_000);
});
