import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Stores whose base currency has no cents (JPY) or three decimals (BHD): the admin product pages must
// read, show and store prices in that currency's own minor units, never as hundredths.
const BASE_PORT = Number(process.env.E2E_ADMIN_CURRENCY_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 10);
const ADMIN = { email: "currency-admin@example.test", password: "currency admin e2e password 42" };

const CASES = [
  { currency: "JPY", typed: "5000", minor: 5000, field: "5000", shown: "¥5,000" },
  { currency: "BHD", typed: "12.345", minor: 12345, field: "12.345", shown: "BHD 12.345" },
] as const;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
});

async function signIn(page: Page) {
  await page.goto("/account/login?returnTo=%2Fadmin%2Fproducts");
  await signInOnPage(page, ADMIN);
  await page.waitForURL(/\/admin\/products$/);
}

for (const [i, c] of CASES.entries()) {
  describe(`admin product prices in ${c.currency}`, () => {
    let store: Awaited<ReturnType<typeof startStore>>;
    beforeAll(async () => {
      store = await startStore({ port: BASE_PORT + i, products: 4, admin: ADMIN, vars: { BASE_CURRENCY: c.currency } });
    }, 180_000);
    afterAll(() => store?.stop());

    it(`a price typed as ${c.typed} is stored as ${c.minor} minor units and shown as ${c.shown} in the list and the editor`, async () => {
      const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
      const page = await context.newPage();
      await signIn(page);
      await page.goto("/admin/products/new");
      await page.getByLabel("Name", { exact: true }).fill(`Tea bowl ${c.currency}`);
      const categoryValue = await page.locator("#field-categoryId option").nth(1).getAttribute("value");
      await page.getByLabel("Category", { exact: true }).selectOption(categoryValue ?? "");
      await page.getByLabel("Variant 1 SKU").fill(`BOWL-${c.currency}`);
      await page.getByLabel("Variant 1 Price").fill(c.typed);
      await page.getByRole("button", { name: "Create product" }).last().click();
      await page.waitForURL(/\/admin\/products\/prod_[a-z0-9]+\?saved=created$/);
      const id = new URL(page.url()).pathname.split("/").pop();

      // The editor shows the amount as it was typed, in the currency's own decimals.
      expect(await page.getByLabel("Variant 1 Price").inputValue()).toBe(c.field);
      const saved = await context.request.get(`/api/admin/products/${id}`);
      const product = await saved.json();
      expect(product.variants[0].price).toBe(c.minor);
      expect(product.currency).toBe(c.currency);

      await page.goto(`/admin/products?q=${encodeURIComponent(`BOWL-${c.currency}`)}`);
      const row = page.getByRole("row", { name: new RegExp(`Tea bowl ${c.currency}`) });
      expect((await row.innerText()).replace(/\u00a0/g, " ")).toContain(c.shown);
      await context.close();
    });
  });
}
