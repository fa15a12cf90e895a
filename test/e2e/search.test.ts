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

interface FacetValue {
  value: string;
  label: string;
  count: number;
}
interface SearchAnswer {
  total: number;
  items: Array<{ name: string; slug: string; price: { amount: number } }>;
  facets: { brand: FacetValue[]; attributes: Record<string, FacetValue[]> };
}

async function api(path: string): Promise<SearchAnswer> {
  const res = await fetch(`${baseUrl}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as SearchAnswer;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const money = (text: string) => Math.round(Number(text.replace(/[^0-9.]/g, "")) * 100);
const text = async (locator: { textContent(): Promise<string | null> }) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();
const resultCount = (page: Page) => text(page.locator(".search-results .result-count"));

/** A word that finds a good number of products in the seeded catalog, with at least two brands. */
async function pickWord(): Promise<string> {
  const best = await api("/api/products?perPage=100&sort=bestselling");
  const words = [...new Set(best.items.flatMap((p) => p.name.split(" ")).filter((w) => /^[A-Z][a-z]{4,}$/.test(w)))];
  let chosen = { word: "", total: 0 };
  for (const word of words.slice(0, 40)) {
    const answer = await api(`/api/products?q=${word}&perPage=1`);
    if (answer.total >= 8 && answer.total <= 60 && answer.facets.brand.length >= 2 && answer.total > chosen.total) chosen = { word, total: answer.total };
  }
  if (!chosen.word) throw new Error("no word with enough results in the seeded catalog");
  return chosen.word.toLowerCase();
}

describe("a shopper searches (desktop)", () => {
  it("types with suggestions, narrows by two facets, sorts, goes back, and opens a result", async () => {
    const word = await pickWord();
    const page = await openPage("desktop");
    await page.goto("/");
    const box = page.getByRole("combobox", { name: "Search products" });
    await expect.poll(() => box.count(), { timeout: 10_000 }).toBe(1);

    // Autocomplete: the listbox opens as the shopper types, arrows move through it, Escape closes it.
    await box.click();
    await box.pressSequentially(word.slice(0, 4), { delay: 60 });
    const listbox = page.getByRole("listbox", { name: "Search suggestions" });
    await expect.poll(() => listbox.isVisible()).toBe(true);
    expect(await box.getAttribute("aria-expanded")).toBe("true");
    expect(await listbox.getByRole("option").count()).toBeGreaterThan(1);
    await box.press("ArrowDown");
    const first = await box.getAttribute("aria-activedescendant");
    expect(first).toBeTruthy();
    expect(await page.locator(`[id="${first}"]`).getAttribute("aria-selected")).toBe("true");
    await box.press("ArrowDown");
    expect(await box.getAttribute("aria-activedescendant")).not.toBe(first);
    await screenshot(page, "e2e-search-suggestions");
    await box.press("Escape");
    expect(await box.getAttribute("aria-expanded")).toBe("false");
    expect(await listbox.isVisible()).toBe(false);

    // Enter with nothing highlighted searches the words.
    await box.fill(word);
    await box.press("Enter");
    await page.waitForURL(new RegExp(`/search\\?q=${word}$`));
    const all = await api(`/api/products?q=${word}&perPage=100`);
    await expect.poll(() => resultCount(page)).toContain(String(all.total));

    // First facet: a brand. The results follow without a reload, and the URL records it.
    const brand = all.facets.brand[0] as FacetValue;
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    await page
      .locator(".facets")
      .getByRole("checkbox", { name: new RegExp(`^${escapeRegExp(brand.label)}`) })
      .check();
    await page.waitForURL(/brand=/);
    await expect.poll(() => resultCount(page)).toBe(brand.count === 1 ? "1 product" : `${brand.count} products`);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

    // Second facet: an attribute value, counted with the brand applied.
    const narrowed = await api(`/api/products?q=${word}&brand=${brand.value}&perPage=100`);
    const [attribute, values] = Object.entries(narrowed.facets.attributes).find(([, v]) => v.length >= 1) as [string, FacetValue[]];
    const value = values[0] as FacetValue;
    await page
      .locator("fieldset", { has: page.locator("legend", { hasText: new RegExp(`^${attribute.replace(/_/g, " ")}$`, "i") }) })
      .getByRole("checkbox", { name: new RegExp(`^${escapeRegExp(value.label)}`) })
      .check();
    await page.waitForURL(new RegExp(`attr\\.${attribute}=`));
    await expect.poll(() => resultCount(page)).toBe(value.count === 1 ? "1 product" : `${value.count} products`);
    const cards = page.locator("article.card");
    expect(await cards.count()).toBe(value.count);
    expect(await page.locator(".active-filters .chip--removable").count()).toBe(2);

    // Sort by price, lowest first.
    await page.getByLabel("Sort by").selectOption("price_asc");
    await page.waitForURL(/sort=price_asc/);
    await expect
      .poll(async () => {
        const prices = (await page.locator("article.card .price-now").allInnerTexts()).map(money);
        return prices.length > 0 && prices.every((p, i) => i === 0 || (prices[i - 1] ?? 0) <= p);
      })
      .toBe(true);
    await screenshot(page, "e2e-search-narrowed");

    // Back undoes the sort; the page and its controls show the earlier state.
    await page.goBack();
    await expect.poll(() => page.url()).not.toContain("sort=");
    await expect.poll(() => page.getByLabel("Sort by").inputValue()).toBe("relevance");
    expect(
      await page
        .locator(".facets")
        .getByRole("checkbox", { name: new RegExp(`^${escapeRegExp(brand.label)}`) })
        .isChecked(),
    ).toBe(true);
    await page.goForward();
    await expect.poll(() => page.getByLabel("Sort by").inputValue()).toBe("price_asc");

    // Open the first result.
    const name = await text(page.locator("article.card .card-title").first());
    await page.locator("article.card .card-link").first().click();
    await page.waitForURL(/\/p\/[a-z0-9-]+$/);
    await expect.poll(() => text(page.getByRole("heading", { level: 1 }))).toBe(name);
    await page.context().close();
  });

  it("offers a close spelling when the words match nothing", async () => {
    const page = await openPage("desktop");
    await page.goto("/search?q=sweeter");
    expect(await text(page.locator(".did-you-mean"))).toContain("sweater");
    expect(await page.locator("article.card").count()).toBeGreaterThan(0);
    await page.context().close();
  });
});

describe("searching on a phone", () => {
  it("shows the suggestions and the filter panel at 390 px", async () => {
    const page = await openPage("phone");
    await page.goto("/search?q=wool");
    await screenshot(page, "e2e-search-phone");
    await page.locator(".facets-toggle").click();
    expect(await page.locator(".facets").isVisible()).toBe(true);
    await screenshot(page, "e2e-search-phone-filters");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = page.getByRole("combobox", { name: "Search products" });
    await box.fill("");
    await box.pressSequentially("boo", { delay: 60 });
    await expect.poll(() => page.getByRole("listbox", { name: "Search suggestions" }).isVisible()).toBe(true);
    await screenshot(page, "e2e-search-phone-suggestions");
    // Arrow down to the first product suggestion and open it with Enter.
    for (let i = 0; i < 12; i++) {
      await box.press("ArrowDown");
      if ((await box.getAttribute("aria-activedescendant"))?.startsWith("site-search-p-")) break;
    }
    const active = (await box.getAttribute("aria-activedescendant")) ?? "";
    expect(active).toMatch(/^site-search-p-/);
    await box.press("Enter");
    await page.waitForURL(new RegExp(`/p/${active.replace("site-search-p-", "")}$`));
    await page.context().close();
  });
});

describe("searching without JavaScript", () => {
  it("filters with checkboxes and the Apply button, as a plain GET form", async () => {
    const page = await openPage("desktop", { javaScriptEnabled: false });
    await page.goto("/search?q=cotton");
    const answer = await api("/api/products?q=cotton&perPage=1");
    const brand = answer.facets.brand[0] as FacetValue;
    await page
      .locator(".facets")
      .getByRole("checkbox", { name: new RegExp(`^${escapeRegExp(brand.label)}`) })
      .check();
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/brand=/);
    expect(new URL(page.url()).searchParams.get("q")).toBe("cotton");
    expect(await resultCount(page)).toBe(brand.count === 1 ? "1 product" : `${brand.count} products`);
    // Removing the filter is a link.
    await page.locator(".active-filters .chip--removable").first().click();
    await page.waitForURL((url) => !url.searchParams.has("brand"));
    expect(await resultCount(page)).toContain(String(answer.total));
    await page.context().close();
  });
});

describe("the results' own forms", () => {
  it("every card keeps one Save form, and the sort order is part of the filters' form, with and without JavaScript", async () => {
    // Without JavaScript: the HTML parser drops a form nested in another, so the first card's Save would post
    // the search form instead. Each card's button must sit in its own POST form to /wishlist.
    const plain = await openPage("desktop", { javaScriptEnabled: false });
    await plain.goto("/search?q=cotton");
    const cards = plain.locator(".product-grid article.card");
    const count = await cards.count();
    expect(count).toBeGreaterThan(1);
    for (let i = 0; i < count; i++) {
      const form = cards.nth(i).locator("form");
      expect(await form.count()).toBe(1);
      expect(await form.getAttribute("action")).toBe("/wishlist");
      expect((await form.getAttribute("method"))?.toLowerCase()).toBe("post");
      expect(await cards.nth(i).locator("button.wish-button").count()).toBe(1);
    }
    // The sort select sits with the results but is sent with the filters.
    await plain.locator("#search-sort").selectOption("price_asc");
    await plain.getByRole("button", { name: "Apply filters" }).click();
    await plain.waitForURL(/sort=price_asc/);
    expect(new URL(plain.url()).searchParams.get("q")).toBe("cotton");
    await plain.context().close();

    // With JavaScript: once the islands hydrate, still one Save button per card (no leftover copy of the first).
    const page = await openPage("desktop");
    await page.goto("/search?q=cotton");
    const live = page.locator(".product-grid article.card");
    const total = await live.count();
    for (let i = 0; i < total; i++) await live.nth(i).scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator(".product-grid button.wish-button[aria-pressed]").count(), { timeout: 20_000 }).toBe(total);
    expect(await page.locator(".product-grid button.wish-button").count()).toBe(total);
    // Changing the sort applies at once.
    await page.locator("#search-sort").selectOption("price_asc");
    await page.waitForURL(/sort=price_asc/);
    await page.context().close();
  }, 120_000);
});
