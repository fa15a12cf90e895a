import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByRequest } from "./sign-up";

const baseUrl = inject("baseUrl");
const persistDir = inject("persistDir");
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
  variants: { sku: string; stockStatus: string; available: number | null; price: { amount: number } }[];
}

/** An in-stock product with a single variant, so "Add to cart" needs no choice first. */
async function simpleProduct(skip = 0): Promise<Detail> {
  const list = (await (await fetch(`${baseUrl}/api/products?inStock=true&sort=bestselling&perPage=100`)).json()) as { items: { slug: string }[] };
  let seen = 0;
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${baseUrl}/api/products/${slug}`)).json()) as Detail;
    if (detail.variants.length === 1 && detail.variants[0]?.stockStatus === "in_stock" && seen++ >= skip) return detail;
  }
  throw new Error("no single-variant product in stock");
}

/** Counts the clicks a shopper makes. */
function clicker(page: Page) {
  let clicks = 0;
  return {
    get count() {
      return clicks;
    },
    async click(name: string | RegExp) {
      clicks++;
      await page.getByRole("button", { name }).first().click();
    },
    async clickLink(name: string | RegExp) {
      clicks++;
      await page.getByRole("link", { name, exact: true }).first().click();
    },
  };
}

describe("buying", () => {
  it("a guest buys a product end to end with the test provider", async () => {
    const product = await simpleProduct(0);
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl });
    const page = await context.newPage();
    const shopper = clicker(page);
    await page.goto(`/p/${product.slug}`);
    expect(await page.locator("[data-cart-count]").first().innerText()).toBe("0");
    // With JavaScript the shopper stays on the page: the header count updates and the mini-cart opens.
    await shopper.click("Add to cart");
    const miniCart = page.locator("[data-mini-cart]");
    await expect.poll(() => miniCart.isVisible()).toBe(true);
    expect(await miniCart.getByRole("heading").innerText()).toBe(`Added ${product.name} to your cart`);
    expect(await page.locator("[data-cart-count]").first().innerText()).toBe("1");
    expect(new URL(page.url()).pathname).toBe(`/p/${product.slug}`);
    await screenshot(page, "e2e-mini-cart");
    await page.goto("/cart");
    expect(await page.locator(".cart-line").count()).toBe(1);
    await screenshot(page, "e2e-cart");

    await shopper.clickLink("Checkout");
    await page.waitForURL(/\/checkout$/);
    await page.getByLabel("Email").fill("guest-buyer@example.test");
    await page.getByLabel("Full name").fill("Grace Guest");
    await page.getByLabel("Address line 1").fill("500 Howard St");
    await page.getByLabel("City").fill("San Francisco");
    await page.getByLabel("State").fill("CA");
    await page.getByLabel("ZIP code").fill("94105");
    await screenshot(page, "e2e-checkout");
    await shopper.click("Place order and pay");
    await page.waitForURL(/\/checkout\/pay\/pay_/);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toMatch(/^Pay \$/);
    await screenshot(page, "e2e-pay");
    await shopper.click("Pay now");
    await page.waitForURL(/\/checkout\/complete\?order=ord_/);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Thank you — your order is confirmed");
    expect(await page.locator(".timeline li").allInnerTexts()).toEqual([expect.stringMatching(/^Waiting for payment/), expect.stringMatching(/^Paid/)]);
    await screenshot(page, "e2e-order-confirmed");
    // The cart is empty now.
    await page.goto("/cart");
    expect(await page.getByRole("heading", { name: "Your cart is empty" }).isVisible()).toBe(true);
    // Add to cart, Checkout, Place order and pay, Pay now.
    expect(shopper.count).toBe(4);
    await context.close();
  });

  it("a signed-in shopper with a saved address buys from a product page in 3 clicks: Add to cart → Checkout → Pay now", async () => {
    const product = await simpleProduct(1);
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: baseUrl });
    const page = await context.newPage();
    // Set up an account with a default address through the API, in the browser's own cookie jar.
    const email = `three-clicks-${Date.now()}@example.test`;
    const register = await signUpByRequest(page.request, { baseUrl, persist: persistDir }, { email, password: "three clicks to buy 42", name: "Tess Three" });
    expect(register.status()).toBe(201);
    const address = await page.request.post("/api/me/addresses", {
      data: { fullName: "Tess Three", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
      headers: { Origin: baseUrl },
    });
    expect(address.status()).toBe(201);

    const shopper = clicker(page);
    await page.goto(`/p/${product.slug}`);
    await shopper.click("Add to cart");
    const miniCart = page.locator("[data-mini-cart]");
    await expect.poll(() => miniCart.isVisible()).toBe(true);
    await screenshot(page, "e2e-mini-cart-signed-in");
    expect(await miniCart.innerText()).toContain("Ships to Tess Three, San Francisco");
    await shopper.click("Checkout");
    await page.waitForURL(/\/checkout\/pay\/pay_/);
    await shopper.click("Pay now");
    await page.waitForURL(/\/checkout\/complete/);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Thank you — your order is confirmed");
    expect(shopper.count).toBe(3);
    const orders = await (await page.request.get("/api/orders")).json();
    expect(orders.items[0].status).toBe("paid");
    await screenshot(page, "e2e-order-confirmed");
    await context.close();
  });

  it("a declined payment cancels the order and puts the stock back", async () => {
    const product = await simpleProduct(2);
    const sku = product.variants[0]?.sku as string;
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`/p/${product.slug}`);
    await page.getByRole("button", { name: "Add to cart" }).click();
    await page.waitForURL(/\/cart/);
    await page.getByRole("link", { name: "Checkout" }).click();
    await page.getByLabel("Email").fill("decliner@example.test");
    await page.getByLabel("Full name").fill("Dee Cline");
    await page.getByLabel("Address line 1").fill("1 Main St");
    await page.getByLabel("City").fill("Portland");
    await page.getByLabel("State").fill("OR");
    await page.getByLabel("ZIP code").fill("97201");
    await page.getByRole("button", { name: "Place order and pay" }).click();
    await page.waitForURL(/\/checkout\/pay\//);
    await page.getByRole("button", { name: "Decline" }).click();
    await page.waitForURL(/\/checkout\/complete/);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("The payment did not go through");
    const after = (await (await fetch(`${baseUrl}/api/products/${product.slug}`)).json()) as Detail;
    expect(after.variants.find((v) => v.sku === sku)?.stockStatus).toBe(product.variants[0]?.stockStatus);
    await context.close();
  });
});
