import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { type RunningStore, startStore } from "./store";

const PORT = Number(process.env.E2E_PORT ?? 8790) + 12;
let store: RunningStore;
let browser: Browser;

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, products: 40 })]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

type Detail = { slug: string; name: string; category: { slug: string }; variants: { sku: string }[] };
async function singleVariantProducts(count: number): Promise<Detail[]> {
  const list = (await (await fetch(`${store.baseUrl}/api/products?perPage=40`)).json()) as { items: { slug: string }[] };
  const found: Detail[] = [];
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as Detail;
    if (detail.variants.length === 1) found.push(detail);
    if (found.length === count) return found;
  }
  throw new Error("not enough single-variant products");
}

/** The toggle once hydrated: it then says whether the item is saved (`aria-pressed`). */
async function hydrated(button: Locator): Promise<Locator> {
  await button.scrollIntoViewIfNeeded();
  await expect.poll(() => button.getAttribute("aria-pressed"), { timeout: 15_000 }).not.toBeNull();
  return button;
}

const headerCount = (page: Page) => page.locator("[data-wishlist-count]");

describe("the wish list toggle, with JavaScript", () => {
  it("saves from a card and a product page without navigating, counts in the header, removes, and reports a refusal", async () => {
    const [fromCard, fromPage] = await singleVariantProducts(2);
    if (!fromCard || !fromPage) throw new Error("unreachable");
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const page = await context.newPage();

    await page.goto(`/c/${fromCard.category.slug}`);
    // A marker on the window survives only if the page is never reloaded or left.
    await page.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
    });
    const card = page.locator("article.card", { has: page.getByRole("link", { name: fromCard.name, exact: true }) });
    const cardButton = await hydrated(card.getByRole("button", { name: `Save ${fromCard.name} to your wishlist` }));
    expect(await cardButton.getAttribute("aria-pressed")).toBe("false");
    expect(await headerCount(page).isHidden()).toBe(true);
    const before = page.url();
    await cardButton.click();
    await expect.poll(() => cardButton.getAttribute("aria-pressed")).toBe("true");
    await expect.poll(() => card.getByRole("status").innerText()).toBe("Saved to your wish list");
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await expect.poll(() => headerCount(page).innerText()).toContain("1");
    expect(await headerCount(page).isVisible()).toBe(true);
    for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
      await page.setViewportSize(viewport);
      await cardButton.scrollIntoViewIfNeeded();
      await screenshot(page, `wishlist-island-card-${viewport.width}`);
    }
    await page.setViewportSize(VIEWPORTS.desktop);

    // The product page knows the saved state of what was saved elsewhere, and saves its own product.
    await page.goto(`/p/${fromPage.slug}`);
    const pageButton = await hydrated(page.getByRole("button", { name: `Save ${fromPage.name} to your wishlist` }));
    expect(await pageButton.getAttribute("aria-pressed")).toBe("false");
    await expect.poll(() => headerCount(page).innerText()).toContain("1");
    await pageButton.click();
    await expect.poll(() => pageButton.getAttribute("aria-pressed")).toBe("true");
    await expect.poll(() => headerCount(page).innerText()).toContain("2");
    expect(await pageButton.innerText()).toContain("Saved");

    // Pressed again: off the list, announced, counted.
    await pageButton.click();
    await expect.poll(() => pageButton.getAttribute("aria-pressed")).toBe("false");
    await expect.poll(() => page.locator("form.wish-form", { has: pageButton }).getByRole("status").innerText()).toBe("Removed");
    await expect.poll(() => headerCount(page).innerText()).toContain("1");

    // The wishlist page has exactly what the toggles left there.
    await page.goto("/wishlist");
    expect(await page.locator("li.wish-line").count()).toBe(1);
    expect(await page.locator(`li.wish-line[data-sku="${fromCard.variants[0]?.sku}"]`).count()).toBe(1);

    // Removed in another tab meanwhile: the toggle says what the store answered and follows the list again.
    await page.goto(`/p/${fromCard.slug}`);
    const stale = await hydrated(page.getByRole("button", { name: `Save ${fromCard.name} to your wishlist` }));
    expect(await stale.getAttribute("aria-pressed")).toBe("true");
    const other = await context.newPage();
    await other.goto("/wishlist");
    await other.getByRole("button", { name: `Remove ${fromCard.name} from the list` }).click();
    await other.waitForURL(/\/wishlist/);
    expect(await other.locator("li.wish-line").count()).toBe(0);
    await stale.click();
    await expect.poll(() => page.locator("form.wish-form", { has: stale }).getByRole("status").innerText()).toContain("is not on your wishlist");
    await expect.poll(() => stale.getAttribute("aria-pressed")).toBe("false");
    await expect.poll(() => headerCount(page).isHidden()).toBe(true);
    await context.close();
  });
});

describe("the wish list button, without JavaScript", () => {
  it("is still a form post that saves and comes back to the page", async () => {
    const [product] = await singleVariantProducts(1);
    if (!product) throw new Error("unreachable");
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`/c/${product.category.slug}`);
    const card = page.locator("article.card", { has: page.getByRole("link", { name: product.name, exact: true }) });
    const button = card.getByRole("button", { name: `Save ${product.name} to your wishlist` });
    expect(await button.getAttribute("aria-pressed")).toBeNull();
    await button.click();
    await page.waitForURL(new RegExp(`/c/${product.category.slug}\\?wished=${product.slug}$`));
    expect(await card.getByRole("status").innerText()).toContain("Saved");
    await page.goto("/wishlist");
    expect(await page.locator(`li.wish-line[data-sku="${product.variants[0]?.sku}"]`).count()).toBe(1);
    await context.close();
  });
});
