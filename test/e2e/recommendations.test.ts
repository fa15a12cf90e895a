import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, SCREENSHOTS, screenshot, VIEWPORTS } from "./browser";
import { signInByApi } from "./staff-sign-in";
import { type RunningStore, startStore } from "./store";

// Its own store with a seeded order history (the shared e2e store has none), on a port after the shared
// store's E2E_PORT/E2E_OAUTH_PORT (files run one at a time).
const ADMIN = { email: "recs-desk@example.test", password: "recs desk password 42" };
const PORT = Number(process.env.E2E_RECS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 40);
let store: RunningStore;
let browser: Browser;
/** A product whose page has both sections, and the neighbours the API gives it. */
let anchor: { id: string; slug: string; name: string };

type Summary = { id: string; slug: string; name: string; inStock: boolean };

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, admin: ADMIN, products: 40, orders: 400 })]);
  const login = await signInByApi(store.baseUrl, ADMIN);
  expect(login.status).toBe(200);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  // What the 15-minute cron does, now.
  const refreshed = await fetch(`${store.baseUrl}/api/admin/recommendations/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: store.baseUrl, Cookie: cookie },
    body: "{}",
  });
  expect(refreshed.status, await refreshed.clone().text()).toBe(200);
  expect(((await refreshed.json()) as { boughtTogether: number }).boughtTogether).toBeGreaterThan(0);

  const list = (await (await fetch(`${store.baseUrl}/api/products?perPage=40`)).json()) as { items: Summary[] };
  for (const p of list.items.filter((i) => i.inStock)) {
    const recs = (await (await fetch(`${store.baseUrl}/api/recommendations/products/${p.id}`)).json()) as { boughtTogether: Summary[]; similar: Summary[] };
    if (recs.boughtTogether.length >= 2 && recs.similar.length >= 2) {
      anchor = p;
      break;
    }
  }
  expect(anchor, "a product with both sections").toBeDefined();
}, 480_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/** The visible part of the page only (the full-page shots are very tall on a phone), to look at the section. */
async function sectionShot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-section-${page.viewportSize()?.width ?? 0}.png`) });
}

/** The product links inside a section named `title`. */
async function linksIn(page: Page, title: string): Promise<string[]> {
  const section = page.getByRole("region", { name: title });
  await expect.poll(() => section.count(), { timeout: 10_000 }).toBe(1);
  return section.locator("a.card-link").evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).pathname));
}

describe.each(Object.entries(VIEWPORTS))("recommendations on a %s", (name, viewport) => {
  it("shows bought together and similar items on the product page, then recently viewed and what goes with the cart", async () => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await page.goto(`${store.baseUrl}/p/${anchor.slug}`);
      const together = await linksIn(page, "Frequently bought together");
      const similar = await linksIn(page, "Similar items");
      expect(together.length).toBeGreaterThan(0);
      expect(similar.length).toBeGreaterThan(0);
      expect([...together, ...similar]).not.toContain(`/p/${anchor.slug}`);
      await page.getByRole("heading", { name: "Frequently bought together" }).scrollIntoViewIfNeeded();
      await screenshot(page, `recommendations-product-${name}`);
      await sectionShot(page, `recommendations-product-${name}`);

      // A second product page remembers the first as recently viewed (kept in this browser only).
      const next = together[0] as string;
      await page.goto(`${store.baseUrl}${next}`);
      expect(await linksIn(page, "Recently viewed")).toEqual([`/p/${anchor.slug}`]);

      // The cart: what goes with it, never what is in it.
      await page.goto(`${store.baseUrl}/p/${anchor.slug}`);
      // With JavaScript the form adds through the API and opens the mini cart; then to the cart page.
      await page.getByRole("button", { name: "Add to cart" }).click();
      await expect.poll(() => page.locator("[data-cart-status]").first().innerText(), { timeout: 15_000 }).toMatch(/Added to cart/);
      await page.goto(`${store.baseUrl}/cart`);
      const goesWith = await linksIn(page, "Goes well with your cart");
      expect(goesWith.length).toBeGreaterThan(0);
      expect(goesWith).not.toContain(`/p/${anchor.slug}`);
      await expect.poll(() => page.getByRole("region", { name: "Recently viewed" }).count(), { timeout: 10_000 }).toBe(1);
      await page.getByRole("heading", { name: "Goes well with your cart" }).scrollIntoViewIfNeeded();
      await screenshot(page, `recommendations-cart-${name}`);
      await sectionShot(page, `recommendations-cart-${name}`);
    } finally {
      await context.close();
    }
  });
});

describe("without JavaScript", () => {
  it("the product page still lists bought together and similar items", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: VIEWPORTS.phone });
    const page = await context.newPage();
    try {
      await page.goto(`${store.baseUrl}/p/${anchor.slug}`);
      expect((await linksIn(page, "Frequently bought together")).length).toBeGreaterThan(0);
      expect((await linksIn(page, "Similar items")).length).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});
