import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store (with an admin account) on a port derived from E2E_PORT, inside this branch's range.
const PORT = Number(process.env.E2E_PORT ?? 8790) + 12;
const ADMIN = { email: "promo-admin@example.test", password: "promo admin correct horse battery" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

async function shootBoth(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

beforeAll(async () => {
  store = await startStore({ port: PORT, admin: ADMIN, products: 40 });
  browser = await launchBrowser();
  // Migrating and seeding a store takes 50 s on a quiet 2-core machine and several minutes on a busy one.
}, 480_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

describe("promotions in the browser", () => {
  it("an admin creates a code; a shopper without JavaScript applies it on the cart, sees the saving, pays, and the order shows the discount", async () => {
    const { baseUrl } = store;
    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl });
    const ap = await admin.newPage();
    await ap.goto("/account/login?returnTo=%2Fadmin%2Fpromotions");
    await signInOnPage(ap, ADMIN);
    await ap.waitForURL(/\/admin\/promotions$/);
    await ap.getByLabel("Name").fill("Browser ten");
    await ap.getByLabel("Code", { exact: true }).fill("browser10");
    await ap.getByLabel("Value").fill("10");
    await ap.getByLabel("Total uses (empty: unlimited)").fill("5");
    await ap.getByRole("button", { name: "Create promotion" }).click();
    await ap.waitForURL(/\/admin\/promotions\/prm_\w+\?saved=1$/);
    expect(await ap.getByRole("status").first().innerText()).toBe("Saved.");
    await ap.goto("/admin/promotions");
    expect(await ap.locator('[data-promotion="BROWSER10"]').innerText()).toMatch(/Browser ten[\s\S]*10 % off[\s\S]*Active/);
    await shootBoth(ap, "e2e-admin-promotions");

    // A shopper whose browser runs no JavaScript: every step is a plain form.
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: baseUrl, javaScriptEnabled: false });
    const page = await shopper.newPage();
    const list = (await (await fetch(`${baseUrl}/api/products?inStock=true&perPage=20`)).json()) as { items: { slug: string }[] };
    let sku = "";
    for (const { slug } of list.items) {
      const detail = (await (await fetch(`${baseUrl}/api/products/${slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
      sku = detail.variants.find((v) => v.stockStatus === "in_stock")?.sku ?? "";
      if (sku) break;
    }
    expect((await page.request.post("/api/cart/items", { data: { sku, quantity: 2 }, headers: { Origin: baseUrl } })).status()).toBe(200);
    await page.goto("/cart");
    await page.getByRole("textbox", { name: "Discount code" }).fill("nope-code");
    await page.getByRole("button", { name: "Apply" }).click();
    expect(await page.locator(".cart-code .field-error").innerText()).toBe("This code does not exist.");
    await page.getByRole("textbox", { name: "Discount code" }).fill("browser10");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/\/cart$/);
    expect(await page.locator("[data-promotions]").innerText()).toMatch(/BROWSER10[\s\S]*−\$/);
    const discountLine = await page.locator("[data-discount-line] dd").innerText();
    expect(discountLine).toMatch(/^−\$\d/);
    await shootBoth(page, "e2e-cart-code");

    await page.getByRole("link", { name: "Checkout", exact: true }).click();
    await page.waitForURL(/\/checkout$/);
    expect(await page.locator("[data-discount-line] dd").innerText()).toBe(discountLine);
    await page.getByLabel("Email").fill("promo-buyer@example.test");
    await page.getByLabel("Full name").fill("Pat Promo");
    await page.getByLabel("Address line 1").fill("500 Howard St");
    await page.getByLabel("City").fill("San Francisco");
    await page.getByLabel("State").fill("CA");
    await page.getByLabel("ZIP code").fill("94105");
    await page.getByRole("button", { name: "Place order and pay" }).click();
    await page.waitForURL(/\/checkout\/pay\/pay_/);
    await page.getByRole("button", { name: "Pay now" }).click();
    await page.waitForURL(/\/checkout\/complete\?order=ord_/);
    // The order's totals name the discount by its promotion and code.
    expect(await page.locator('[data-total-line="discount"]').first().innerText()).toContain("Browser ten (code BROWSER10)");
    expect(await page.locator("body").innerText()).toContain(discountLine.replace("−", ""));
    await shootBoth(page, "e2e-order-discount");

    // The admin sees the paid use and its revenue.
    await ap.goto("/admin/promotions");
    expect(await ap.locator('[data-promotion="BROWSER10"]').innerText()).toMatch(/1 \/ 5/);
    await admin.close();
    await shopper.close();
  });
});
