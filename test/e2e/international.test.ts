import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot, submitAndLoad, VIEWPORTS } from "./browser";
import { signInByRequest, signInOnPage } from "./staff-sign-in";
import { signUpByApi } from "./sign-up";
import { startStore } from "./store";

const baseUrl = inject("baseUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

interface Detail {
  slug: string;
  name: string;
  variants: { sku: string; stockStatus: string; price: { amount: number } }[];
}

/** An in-stock single-variant product (the purchase test takes the first three). */
async function simpleProduct(skip: number): Promise<Detail> {
  const list = (await (await fetch(`${baseUrl}/api/products?inStock=true&sort=newest&perPage=100`)).json()) as { items: { slug: string }[] };
  let seen = 0;
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${baseUrl}/api/products/${slug}`)).json()) as Detail;
    if (detail.variants.length === 1 && detail.variants[0]?.stockStatus === "in_stock" && seen++ >= skip) return detail;
  }
  throw new Error("no single-variant product in stock");
}

/**
 * A German order's totals: VAT stated as included (muted, not added), no added tax line, and the
 * other lines (subtotal, shipping, duties, discount) sum to the total that was charged.
 */
async function expectVatTotals(page: Page, charged: string) {
  const totals = page.locator("[data-order-totals]");
  const amount = async (kind: string) => {
    const text = await totals.locator(`[data-total-line="${kind}"] dd`).innerText();
    return text === "Free" ? 0 : Math.round(Number(text.replace(/[^\d.]/g, "")) * 100) * (text.startsWith("−") ? -1 : 1);
  };
  expect(await totals.locator('[data-total-line="tax"]').innerText()).toMatch(/^Includes MwSt\.\s+\$[\d,]+\.\d\d$/);
  expect(await totals.locator('[data-total-line="tax"]').getAttribute("class")).toContain("muted");
  const kinds = await totals.locator("[data-total-line]").evaluateAll((els) => els.map((e) => e.getAttribute("data-total-line")));
  expect(kinds).toEqual(["subtotal", "shipping", "tax", "total"]);
  const total = await amount("total");
  expect(total).toBe(Math.round(Number(charged.replace(/,/g, "")) * 100));
  expect((await amount("subtotal")) + (await amount("shipping"))).toBe(total);
}

describe("shopping from abroad", () => {
  it("a visitor from Germany sees euros without choosing anything", async () => {
    const product = await simpleProduct(3);
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl, extraHTTPHeaders: { "CF-IPCountry": "DE" } });
    const page = await context.newPage();
    await page.goto(`/p/${product.slug}`);
    expect(await page.locator(".price-now").first().innerText()).toMatch(/^€[\d,]+\.\d\d$/);
    expect(await page.getByLabel("Currency").inputValue()).toBe("EUR");
    // The EU zone's free-shipping threshold ($150), in euros.
    expect(await page.locator(".announcement").innerText()).toContain("Free shipping over €138");
    // Every promise on the page says the zone's threshold: none of the US zone's $75.
    expect(await page.locator(".product-perks").innerText()).toContain("free over €138");
    expect(await page.locator("body").innerText()).not.toMatch(/\$75|€69/);
    await page.goto("/");
    expect(await page.locator(".hero-perks").innerText()).toContain("Free shipping over €138");
    expect(await page.locator(".promise-band").innerText()).toContain("orders over €138");
    expect(await page.locator("body").innerText()).not.toMatch(/\$75|€69/);
    await context.close();
  });

  it("free-shipping promises follow the visitor's zone: $75 in the US, none where the store does not ship free", async () => {
    const product = await simpleProduct(3);
    const us = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl, extraHTTPHeaders: { "CF-IPCountry": "US" } });
    const page = await us.newPage();
    await page.goto(`/p/${product.slug}`);
    expect(await page.locator(".product-perks").innerText()).toContain("free over $75");
    await page.goto("/");
    expect(await page.locator(".hero-perks").innerText()).toContain("Free shipping over $75");
    await us.close();
    // A country in the rest-of-world zone: its own ($200) threshold, never the US one.
    const row = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl, extraHTTPHeaders: { "CF-IPCountry": "JP" } });
    const jp = await row.newPage();
    await jp.goto(`/p/${product.slug}`);
    const perks = await jp.locator(".product-perks").innerText();
    expect(perks).not.toContain("$75");
    expect(perks).toMatch(/free over (¥[\d,]+|\$200)/);
    await row.close();
  });

  it("a shopper in Germany switches to euros, checks out, and sees VAT and the charged currency before paying", async () => {
    const product = await simpleProduct(4);
    for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
      const context = await browser.newContext({ viewport, baseURL: baseUrl });
      const page = await context.newPage();
      await page.goto(`/p/${product.slug}`);
      expect(await page.locator(".price-now").first().innerText()).toMatch(/^\$/);
      // The currency picker in the footer (a plain GET form: works without JavaScript too).
      await page.getByLabel("Currency").selectOption("EUR");
      // The form reloads the same URL: wait for the new page and its scripts (the add-to-cart handler) before clicking on.
      await submitAndLoad(page, () => page.getByRole("button", { name: "Change" }).click(), "load");
      expect(new URL(page.url()).pathname).toBe(`/p/${product.slug}`);
      expect(await page.locator(".price-now").first().innerText()).toMatch(/^€/);
      expect(await page.locator(".currency-picker").innerText()).toContain("orders are charged in USD");

      await page.getByRole("button", { name: "Add to cart" }).first().click();
      await expect.poll(() => page.locator("[data-mini-cart]").isVisible()).toBe(true);
      expect(await page.locator("[data-mini-cart-subtotal]").innerText()).toMatch(/^€/);
      await page.goto("/cart?country=DE");
      expect(await page.locator(".cart-line-total").first().innerText()).toMatch(/^€/);
      expect(await page.locator("[data-tax-line]").innerText()).toMatch(/Includes MwSt\. \(19 %\)\s+€/);
      await screenshot(page, "international-cart");

      await page.getByRole("link", { name: "Checkout" }).click();
      await page.waitForURL(/\/checkout$/);
      await page.getByLabel("Country", { exact: true }).selectOption("DE");
      await submitAndLoad(page, () => page.getByRole("button", { name: "Update shipping and taxes" }).click());
      await page.getByLabel("Email").fill(`berlin-${viewport.width}@example.test`);
      await page.getByLabel("Full name").fill("Erika Mustermann");
      await page.getByLabel("Address line 1").fill("Heidestraße 17");
      await page.getByLabel("City").fill("Berlin");
      // A wrong postcode is refused by the server, next to the field.
      await page.getByLabel("Postleitzahl").fill("1011");
      await submitAndLoad(page, () => page.getByRole("button", { name: "Place order and pay" }).click());
      expect(await page.locator(".field-error, [id$='-error']").allInnerTexts()).toContainEqual(expect.stringContaining("10115"));
      await page.getByLabel("Postleitzahl").fill("10115");

      const summary = page.locator(".cart-summary");
      expect(await summary.locator("[data-tax-line]").innerText()).toMatch(/Includes MwSt\. \(19 %\)/);
      const statement = await summary.locator("[data-charge-statement]").innerText();
      expect(statement).toMatch(/You will be charged USD [\d,]+\.\d\d \(≈ €[\d,]+\.\d\d\)\. Prices include MwSt\./);
      expect(
        await page
          .getByText(/arrives .* \(6–10 business days\)/)
          .first()
          .isVisible(),
      ).toBe(true);
      await screenshot(page, "international-checkout");

      const charged = statement.match(/USD ([\d,]+\.\d\d)/)?.[1] as string;
      await page.getByRole("button", { name: "Place order and pay" }).click();
      await page.waitForURL(/\/checkout\/pay\/pay_/);
      expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe(`Pay $${charged}`);
      await page.getByRole("button", { name: "Pay now" }).click();
      await page.waitForURL(/\/checkout\/complete/);
      expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Thank you — your order is confirmed");
      expect(await page.locator("[data-order-charge]").innerText()).toMatch(new RegExp(`Prices include MwSt\\. .* Charged USD ${charged} \\(≈ €`));
      await expectVatTotals(page, charged);

      // The order page (reached through this browser's last-order cookie) reads the same.
      const orderId = new URL(page.url()).searchParams.get("order") as string;
      await page.goto(`/orders/${orderId}`);
      expect(await page.getByRole("heading", { level: 1 }).innerText()).toMatch(/^Order /);
      await expectVatTotals(page, charged);
      await screenshot(page, "international-order");
      await context.close();
    }
  });
});

describe("admin settings pages (no JavaScript needed)", () => {
  const ADMIN = { email: "settings-admin@example.test", password: "settings admin password 42" };
  let store: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    // Its own store on the port after the shared e2e store's E2E_PORT/E2E_OAUTH_PORT (files run one at a time).
    store = await startStore({ port: Number(process.env.E2E_PORT ?? 8812) + 2, products: 10, admin: ADMIN });
  }, 120_000);
  afterAll(() => store?.stop());

  it("an admin changes an exchange rate and a country's VAT, with errors beside the fields; shoppers see the new prices", async () => {
    for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
      const context = await browser.newContext({ viewport, baseURL: store.baseUrl, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto("/account/login?returnTo=%2Fadmin%2Fsettings");
      await signInOnPage(page, ADMIN);
      await page.waitForURL(/\/admin\/settings$/);
      expect(await page.getByText("(read-only)").first().isVisible()).toBe(true);
      await screenshot(page, "admin-settings");
      if (viewport === VIEWPORTS.desktop) {
        // The admin header names the store as its settings do (what the storefront shows), not the deploy-time default.
        const storeForm = page.locator("form").filter({ has: page.getByLabel("Store name") });
        await storeForm.getByLabel("Store name").fill("Northwind Outfitters");
        await storeForm.getByRole("button", { name: "Save" }).click();
        await page.waitForURL(/done=store/);
        expect(await page.locator(".admin-brand").innerText()).toContain("Northwind Outfitters");
        expect(await page.title()).toBe("Settings · Admin · Northwind Outfitters");
      }

      await page.getByRole("link", { name: "Currencies" }).click();
      const eur = page.getByRole("form", { name: "Rate of EUR" });
      await eur.getByLabel("Per USD").fill("abc");
      await eur.getByRole("button", { name: "Save" }).click();
      const eurAgain = page.getByRole("form", { name: "Rate of EUR" });
      expect(await eurAgain.locator(".field-error").innerText()).toContain("A rate like 0.92");
      await screenshot(page, "admin-settings-currencies-error");
      await eurAgain.getByLabel("Per USD").fill("0.5");
      await eurAgain.getByRole("button", { name: "Save" }).click();
      await page.waitForURL(/done=saved/);
      expect(await page.getByRole("status").innerText()).toContain("EUR is saved");

      await page.goto("/admin/settings/countries/DE");
      await page.getByLabel("Tax rate (%)").fill("7");
      await page.getByRole("button", { name: "Save Germany" }).click();
      await page.waitForURL(/done=saved/);
      await screenshot(page, "admin-settings-country");
      await page.goto("/admin/settings/shipping");
      await screenshot(page, "admin-settings-shipping");
      await context.close();
    }
    // A shopper sees the new rate (€ at 0.5) and VAT 7 % at once.
    const products = (await (await fetch(`${store.baseUrl}/api/products?perPage=1&inStock=true`)).json()) as {
      items: { slug: string; price: { amount: number } }[];
    };
    const item = products.items[0] as { slug: string; price: { amount: number } };
    const shopper = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, extraHTTPHeaders: { "CF-IPCountry": "DE" } });
    const page = await shopper.newPage();
    await page.goto(`/p/${item.slug}`);
    const euros = (Math.round(item.price.amount * 0.5) / 100).toFixed(2);
    expect(await page.locator(".price-now").first().innerText()).toContain(`€${euros}`);
    const quote = await page.request.get("/api/shipping/quote?country=DE");
    expect(((await quote.json()) as { options: { totals: { tax: { rateBp: number } } }[] }).options[0]?.totals.tax.rateBp).toBe(700);
    await shopper.close();
  }, 120_000);

  it("a country an admin adds is offered in a shopper's address book, saved and shown as itself", async () => {
    const admin = await browser.newContext({ baseURL: store.baseUrl });
    expect(await signInByRequest(admin.request, ADMIN, store.baseUrl)).toBe(200);
    const created = await admin.request.post("/api/admin/settings/countries", {
      data: { code: "XK", name: "Kosovo", currency: "EUR", ships: false },
      headers: { Origin: store.baseUrl },
    });
    expect(created.status(), await created.text()).toBe(201);
    await admin.close();

    const email = `kosovo-${Date.now()}@example.test`;
    const password = "a kosovo shopper passphrase 9";
    const registered = await signUpByApi(store, { email, name: "Arta Krasniqi", password }, { "CF-Connecting-IP": "198.51.100.77" });
    expect(registered.status).toBe(201);
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/account/login?returnTo=%2Faccount%2Faddresses");
    await signInOnPage(page, { email, password });
    await page.waitForURL(/\/account\/addresses$/);
    const form = page.getByRole("region", { name: "Add an address" });
    const country = form.getByLabel("Country", { exact: true });
    expect(await country.locator("option", { hasText: "Kosovo" }).getAttribute("value")).toBe("XK");
    await country.selectOption("XK");
    await form.getByLabel("Address line 1").fill("Rruga Nëna Terezë 1");
    await form.getByLabel("City").fill("Prishtina");
    await form.getByRole("button", { name: "Add address" }).click();
    await page.waitForURL(/\/account\/addresses\?done=added$/);
    const saved = page.getByRole("list", { name: "Saved addresses" }).getByRole("listitem");
    expect(await saved.first().innerText()).toMatch(/Prishtina[\s\S]*Kosovo/);
    // Editing it shows Kosovo selected, not "Other country…".
    await saved.first().getByRole("link", { name: /^Edit/ }).click();
    await page.waitForURL(/\/account\/addresses\/adr_[\w-]+$/);
    expect(await page.getByLabel("Country", { exact: true }).inputValue()).toBe("XK");
    await screenshot(page, "address-added-country");
    await context.close();
  }, 120_000);
});
