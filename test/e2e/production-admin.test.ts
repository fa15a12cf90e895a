import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, submitAndLoad, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store running as a fresh production deploy: ENVIRONMENT=production, no Stripe key, the outbox email provider.
const PORT = Number(process.env.E2E_PRODUCTION_PORT ?? 8870);
const ADMIN = { email: "prod-admin@example.test", password: "prod admin correct horse battery" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  store = await startStore({ port: PORT, admin: ADMIN, products: 10, vars: { ENVIRONMENT: "production" } });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
  page = await context.newPage();
  await page.goto("/admin");
  await page.waitForURL(/\/account\/login/);
  await signInOnPage(page, ADMIN);
  await page.waitForURL(/\/admin$/);
}, 420_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

describe("a production store that is not set up yet", () => {
  it("says so on /api/health (degraded, with reasons) and in a warning banner on every admin page", async () => {
    const health = (await (await fetch(`${store.baseUrl}/api/health`)).json()) as { status: string; warnings: { code: string }[] };
    expect(health.status).toBe("degraded");
    expect(health.warnings.map((w) => w.code)).toEqual(["email.outbox_provider", "payments.unavailable"]);

    const banner = page.getByRole("region", { name: "This store is not ready for real orders" });
    await banner.waitFor();
    expect(await banner.locator("[data-code=email\\.outbox_provider]").textContent()).toMatch(/only stored in the outbox, not sent/);
    expect(await banner.locator("[data-code=payments\\.unavailable]").textContent()).toMatch(/Checkout is refused/);
    for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
      await page.setViewportSize(viewport);
      await screenshot(page, "admin-production-warnings");
    }
    await page.getByRole("link", { name: "Orders", exact: true }).click();
    await page.waitForURL(/\/admin\/orders$/);
    expect(await page.getByRole("region", { name: "This store is not ready for real orders" }).count()).toBe(1);
  });

  it("an admin turns the staff new-order email off and sets a staff address on the settings page", async () => {
    await page.goto("/admin/settings");
    const box = page.getByRole("checkbox", { name: "Email staff about every new paid order" });
    expect(await box.isChecked()).toBe(true);
    // A mistake first: the error names the field.
    await page.getByLabel(/Send them to/).fill("not an address");
    // The form posts without script (novalidate) and the page comes back with the error: wait for that page.
    await submitAndLoad(page, () => page.getByRole("region", { name: "Notifications" }).getByRole("button", { name: "Save" }).click());
    expect(await page.getByRole("region", { name: "Notifications" }).getByText("Enter an email address").count()).toBeGreaterThan(0);

    await page.getByLabel(/Send them to/).fill("orders@shop.example");
    await box.uncheck();
    await page.getByRole("region", { name: "Notifications" }).getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/done=notifications/);
    await page.getByText("The notification settings are saved.").waitFor();
    expect(await page.getByRole("checkbox", { name: "Email staff about every new paid order" }).isChecked()).toBe(false);
    expect(await page.getByLabel(/Send them to/).inputValue()).toBe("orders@shop.example");
    await screenshot(page, "admin-settings-notifications");
  });
});

describe("the staff navigation on a phone", () => {
  it("is one row that scrolls sideways, with the current section in view, and wraps on a desk", async () => {
    const geometry = () =>
      page.evaluate(() => {
        const nav = document.querySelector("nav[aria-label='Admin sections']") as HTMLElement;
        const list = nav.querySelector("ul") as HTMLElement;
        const here = list.querySelector("[aria-current=page]") as HTMLElement;
        const box = list.getBoundingClientRect();
        const at = here.getBoundingClientRect();
        return {
          navHeight: nav.getBoundingClientRect().height,
          scrolls: list.scrollWidth > list.clientWidth,
          currentInView: at.left >= box.left && at.right <= box.right,
          current: here.textContent?.trim(),
          pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        };
      });
    await page.setViewportSize(VIEWPORTS.phone);
    // Settings is near the end of the row: it starts out of view and is scrolled into it.
    await page.goto("/admin/settings");
    const phone = await geometry();
    expect(phone).toMatchObject({ scrolls: true, currentInView: true, current: "Settings" });
    expect(phone.navHeight).toBeLessThan(60);
    expect(phone.pageOverflow).toBeLessThanOrEqual(0);
    // Every section is still one tap away: a link out of view is scrolled to and followed.
    await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Overview" }).click();
    await page.waitForURL(/\/admin$/);
    await screenshot(page, "admin-nav-phone");

    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto("/admin/settings");
    const desk = await geometry();
    expect(desk).toMatchObject({ scrolls: false, currentInView: true });
    await screenshot(page, "admin-nav-desk");
  });
});
