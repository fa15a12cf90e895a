import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";

const baseUrl = inject("baseUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function openPage(viewport: keyof typeof VIEWPORTS, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], baseURL: baseUrl, ...options });
  return context.newPage();
}

const money = (text: string) => Math.round(Number(text.replace(/[^0-9.]/g, "")) * 100);

async function apiJson<T>(path: string): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe("a shopper browses the catalog (desktop)", () => {
  it("goes from the home page to a category, sorts by price, opens a product and picks a variant", async () => {
    const page = await openPage("desktop");
    const home = await page.goto("/");
    expect(home?.status()).toBe(200);
    expect(home?.headers()["cache-control"]).toContain("max-age=");
    await expect.poll(() => page.getByRole("heading", { name: "Featured" }).isVisible()).toBe(true);
    expect(await page.locator("article.card").count()).toBeGreaterThanOrEqual(8);
    await screenshot(page, "e2e-home");

    // The department menu leads to a category listing.
    const departments = page.getByRole("navigation", { name: "Shop by department" });
    const first = departments.getByRole("link").first();
    const departmentName = (await first.innerText()).trim();
    await first.click();
    await page.waitForURL(/\/c\/[a-z0-9-]+$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(departmentName);
    const categorySlug = new URL(page.url()).pathname.split("/").pop();

    // Sorting by price (the select submits on change when JavaScript runs).
    await page.getByLabel("Sort by").selectOption("price_asc");
    await page.waitForURL(/sort=price_asc/);
    const names = await page.locator("article.card .card-title").allInnerTexts();
    const prices = (await page.locator("article.card .price-now").allInnerTexts()).map(money);
    expect(prices.length).toBeGreaterThan(3);
    expect([...prices].sort((a, b) => a - b)).toEqual(prices);
    const api = await apiJson<{ items: { name: string }[] }>(`/api/products?category=${categorySlug}&sort=price_asc`);
    expect(names.map((n) => n.trim())).toEqual(api.items.map((p) => p.name));
    await screenshot(page, "e2e-category-sorted");

    // Open a product that has several variants.
    const withVariants = (await apiJson<{ items: { slug: string; name: string }[] }>(`/api/products?category=${categorySlug}&sort=bestselling&perPage=50`))
      .items;
    let target:
      | { slug: string; name: string; variants: { sku: string; options: Record<string, string>; stockStatus: string; price: { amount: number } }[] }
      | undefined;
    for (const item of withVariants) {
      const detail = await apiJson<NonNullable<typeof target>>(`/api/products/${item.slug}`);
      const inStock = detail.variants.filter((v) => v.stockStatus !== "out_of_stock");
      if (inStock.length >= 2 && Object.keys(detail.variants[0]?.options ?? {}).length > 0) {
        target = detail;
        break;
      }
    }
    if (!target) throw new Error("the seeded category has no product with two variants in stock");
    await page.goto(`/p/${target.slug}`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(target.name);
    const addToCart = page.getByRole("button", { name: "Add to cart" });
    expect(await addToCart.isVisible()).toBe(true);

    // Pick another in-stock variant through its option values: the SKU and price follow.
    const initialSku = (await page.locator(".buy-meta .sku").innerText()).replace("SKU ", "").trim();
    const other = target.variants.find((v) => v.sku !== initialSku && v.stockStatus !== "out_of_stock");
    if (!other) throw new Error("no second variant");
    const optionNames = [...new Set(target.variants.flatMap((v) => Object.keys(v.options)))];
    for (const [name, value] of Object.entries(other.options)) {
      const group = page.locator(".option-groups fieldset").nth(optionNames.indexOf(name));
      await group
        .locator("label")
        .filter({ has: page.locator(`input[value="${value}"]`) })
        .click();
    }
    await expect.poll(() => page.locator(".buy-meta .sku").innerText()).toBe(`SKU ${other.sku}`);
    expect(money(await page.locator(".buy-box .price-now").first().innerText())).toBe(other.price.amount);
    expect(await page.locator('form input[name="sku"]').inputValue()).toBe(other.sku);
    expect(await addToCart.isEnabled()).toBe(true);
    await screenshot(page, "e2e-product-variant");
    await page.context().close();
  });
});

describe("a shopper on a phone", () => {
  it("opens the menu, reaches a subcategory and sees a two-column grid that fits the screen", async () => {
    const page = await openPage("phone");
    await page.goto("/");
    await page.locator("details.mobile-menu > summary").click();
    const menu = page.getByRole("navigation", { name: "Departments" });
    expect(await menu.isVisible()).toBe(true);
    await screenshot(page, "e2e-phone-menu");
    const sub = menu.locator("ul ul a").first();
    const subName = (await sub.innerText()).trim();
    await sub.click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(subName);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const boxes = await page.locator("article.card").evaluateAll((cards) => cards.slice(0, 2).map((c) => c.getBoundingClientRect().top));
    expect(boxes[0]).toBe(boxes[1]);
    await screenshot(page, "e2e-phone-category");
    await page.context().close();
  });
});

describe("without JavaScript", () => {
  it("sorts with the Apply button and still offers every variant as a radio choice", async () => {
    const page = await openPage("desktop", { javaScriptEnabled: false });
    const { items } = await apiJson<{ items: { category: { slug: string } }[] }>("/api/products?perPage=1&sort=bestselling");
    await page.goto(`/c/${items[0]?.category.slug}`);
    await page.getByLabel("Sort by").selectOption("price_desc");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/sort=price_desc/);
    const prices = (await page.locator("article.card .price-now").allInnerTexts()).map(money);
    expect([...prices].sort((a, b) => b - a)).toEqual(prices);

    const product = await apiJson<{ items: { slug: string }[] }>("/api/products?perPage=40&sort=bestselling");
    for (const { slug } of product.items) {
      const detail = await apiJson<{ variants: { sku: string }[] }>(`/api/products/${slug}`);
      if (detail.variants.length < 2) continue;
      await page.goto(`/p/${slug}`);
      const radios = page.locator('input[type="radio"][name="sku"]');
      expect(await radios.count()).toBe(detail.variants.length);
      expect(await page.getByRole("button", { name: "Add to cart" }).isVisible()).toBe(true);
      break;
    }
    await page.context().close();
  });
});

describe("pages that do not exist", () => {
  it("answer 404 with a way back into the store", async () => {
    const page = await openPage("phone");
    for (const path of ["/p/no-such-product", "/c/no-such-category", "/nothing/here"]) {
      const res = await page.goto(path);
      expect(res?.status()).toBe(404);
      expect(await page.getByRole("searchbox").first().isVisible()).toBe(true);
    }
    await screenshot(page, "e2e-not-found");
    await page.context().close();
  });
});
