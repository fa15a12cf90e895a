import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyOf, nextCode } from "../support/second-factor";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { startStore } from "./store";

// Its own store in this file's port slot (E2E_PORT + 40 by default).
const PORT = Number(process.env.E2E_SECOND_FACTOR_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 40);
const ADMIN = { email: "two-step-admin@example.test", password: "two step admin password 42" };

let browser: Browser;
let store: Awaited<ReturnType<typeof startStore>>;

beforeAll(async () => {
  browser = await launchBrowser();
  // The admin comes from `npm run user:create`, as a new store's first admin does (other files write the same row directly).
  store = await startStore({ port: PORT, products: 3, admin: ADMIN, adminThroughScript: true });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await store?.stop();
});

describe("a staff member's second factor, without JavaScript", () => {
  it("the first sign-in shows a key to enrol, refuses a wrong code, then shows recovery codes once; later sign-ins ask for a code", async () => {
    for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
      const context = await browser.newContext({ viewport, baseURL: store.baseUrl, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto("/account/login?returnTo=%2Fadmin");
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();

      const enrolling = viewport === VIEWPORTS.phone;
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(enrolling ? "Set up your second factor" : "Enter your code");
      // The password alone signed nobody in.
      expect((await page.request.get("/api/me")).status()).toBe(401);
      await screenshot(page, enrolling ? "second-factor-enrol" : "second-factor-code");
      const key = enrolling ? await page.locator("[data-setup-key]").getAttribute("data-setup-key") : keyOf(ADMIN.email);
      expect(key).toMatch(/^[A-Z2-7]{32}$/);
      if (enrolling) (await import("../support/second-factor")).rememberKey(ADMIN.email, key as string);

      await page.getByLabel("Code", { exact: true }).fill("000000");
      await page.getByRole("button", { name: "Verify and sign in" }).click();
      await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("not right");
      expect((await page.request.get("/api/me")).status()).toBe(401);

      await page.getByLabel("Code", { exact: true }).fill(await nextCode(key as string));
      await page.getByRole("button", { name: "Verify and sign in" }).click();
      if (enrolling) {
        await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Your authenticator is set up");
        expect(await page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").count()).toBe(10);
        await screenshot(page, "second-factor-recovery-codes");
        await page.getByRole("link", { name: "Continue" }).click();
      }
      await page.waitForURL(/\/admin$/);

      await page.goto("/account/security");
      await expect.poll(() => page.getByRole("heading", { name: "Authenticator app" }).isVisible()).toBe(true);
      expect(await page.getByText("Recovery codes left:").textContent()).toContain("10");
      await screenshot(page, "second-factor-account-security");
      await context.close();
    }
  }, 180_000);
});
