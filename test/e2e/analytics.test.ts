import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInByRequest } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store (with an admin account) on a port of this branch's range.
const PORT = Number(process.env.E2E_ANALYTICS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 8);
const ADMIN = { email: "analytics-admin@example.test", password: "analytics admin correct horse battery" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  store = await startStore({ port: PORT, admin: ADMIN, products: 12 });
  browser = await launchBrowser();
  // Seeding a store takes minutes on a busy machine.
}, 480_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

interface Detail {
  id: string;
  slug: string;
  name: string;
  variants: { sku: string; stockStatus: string }[];
}

/** An in-stock product with a single variant, so "Add to cart" needs no choice first. */
async function simpleProduct(baseUrl: string): Promise<Detail> {
  const list = (await (await fetch(`${baseUrl}/api/products?inStock=true&perPage=100`)).json()) as { items: { slug: string }[] };
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${baseUrl}/api/products/${slug}`)).json()) as Detail;
    if (detail.variants.length === 1 && detail.variants[0]?.stockStatus === "in_stock") return detail;
  }
  throw new Error("no single-variant product in stock");
}

/** The funnel table behind the chart, step → sessions. */
async function funnel(page: Page): Promise<Record<string, number>> {
  const rows = await page.locator('[data-report="funnel"] tbody tr').all();
  const out: Record<string, number> = {};
  // The table sits in a closed <details>: read the DOM text, not the rendered text.
  for (const row of rows)
    out[((await row.locator("th").textContent()) ?? "").trim()] = Number.parseInt(((await row.locator("td").textContent()) ?? "").replace(/,/g, ""), 10);
  return out;
}

describe("analytics in the browser", () => {
  it("a visit, a search, an add to cart and a purchase appear in the admin's funnel and reports", async () => {
    const baseUrl = store.baseUrl;
    const product = await simpleProduct(baseUrl);
    const word = (product.name.split(/\s+/)[0] ?? product.name).toLowerCase();

    const shopperContext = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: baseUrl });
    const shopper = await shopperContext.newPage();
    const sent: string[] = [];
    shopper.on("request", (r) => {
      if (r.url().endsWith("/api/analytics/events")) sent.push(r.postData() ?? "");
    });
    await shopper.goto("/");
    await shopper.goto(`/search?q=${encodeURIComponent(word)}`);
    await shopper.goto("/search?q=zzqqxx+nothing");
    await shopper.goto(`/p/${product.slug}`);
    await shopper.getByRole("button", { name: "Add to cart" }).first().click();
    await expect.poll(() => shopper.locator("[data-mini-cart]").isVisible()).toBe(true);
    await shopper.goto("/checkout");
    // A shopper reads the form for a moment; the page's events leave within a second of its script running
    // (on a loaded machine the script can run after a robot has already submitted the form).
    await expect.poll(() => sent.some((b) => b.includes("checkout_started")), { timeout: 20_000 }).toBe(true);
    await shopper.getByLabel("Email").fill("analytics-buyer@example.test");
    await shopper.getByLabel("Full name").fill("Ana Lytics");
    await shopper.getByLabel("Address line 1").fill("500 Howard St");
    await shopper.getByLabel("City").fill("San Francisco");
    await shopper.getByLabel("State").fill("CA");
    await shopper.getByLabel("ZIP code").fill("94105");
    await shopper.getByRole("button", { name: "Place order and pay" }).click();
    await shopper.waitForURL(/\/checkout\/pay\/pay_/);
    await shopper.getByRole("button", { name: "Pay now" }).click();
    await shopper.waitForURL(/\/checkout\/complete\?order=ord_/);
    // The confirmation page's events leave with the page (keepalive) or after a second.
    await shopper.waitForTimeout(1500);
    await shopper.goto("/");
    expect(sent.length).toBeGreaterThan(0);
    // One anonymous session id, no email or name in anything sent.
    const sessions = new Set(sent.map((b) => (JSON.parse(b) as { sessionId: string }).sessionId));
    expect(sessions.size).toBe(1);
    expect(sent.join("\n")).not.toMatch(/analytics-buyer|Ana Lytics|Howard/);
    await shopperContext.close();

    const adminContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl });
    expect(await signInByRequest(adminContext.request, ADMIN, baseUrl)).toBe(200);
    const admin = await adminContext.newPage();
    // The queue delivers within a few seconds; the page recomputes today's rollup on every view.
    await expect
      .poll(
        async () => {
          await admin.goto("/admin/analytics");
          return funnel(admin);
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toEqual({ Sessions: 1, "Viewed a product": 1, "Added to cart": 1, "Started checkout": 1, Purchased: 1 });
    expect(await admin.getByRole("heading", { level: 1 }).innerText()).toBe("Analytics");
    expect(await admin.locator('[data-kpi="orders"]').innerText()).toBe("1");
    const searches = await admin.locator('[data-report="searches"] tbody').textContent();
    expect(searches).toContain(word);
    expect(await admin.locator('[data-report="no-result-searches"] tbody').textContent()).toContain("zzqqxx nothing");
    expect(await admin.locator('[data-report="products"] tbody').textContent()).toContain(product.name);
    // Each chart is an image with a name, and its figures are in a table behind it.
    const charts = admin.locator("svg[role=img]");
    expect(await charts.count()).toBeGreaterThanOrEqual(5);
    for (const chart of await charts.all()) expect((await chart.getAttribute("aria-labelledby"))?.split(" ")).toHaveLength(2);
    // CSV links for an admin (who holds "reports"); the file has the figures.
    const href = await admin.getByRole("link", { name: "Download funnel as CSV" }).getAttribute("href");
    const csv = await (await adminContext.request.get(href ?? "")).text();
    expect(csv.split("\r\n")[1]).toMatch(/^current,[\d-]+,[\d-]+,1,1,1,1,1$/);
    for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
      await admin.setViewportSize(viewport);
      await screenshot(admin, "e2e-admin-analytics");
    }
    await adminContext.close();
  }, 120_000);

  it("sends nothing from a browser with Global Privacy Control", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
    const page = await context.newPage();
    const sent: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/analytics/")) sent.push(r.url());
    });
    await page.goto("/search?q=lamp");
    await page.waitForTimeout(1500);
    await page.goto("/");
    expect(sent).toEqual([]);
    await context.close();
  });
});
