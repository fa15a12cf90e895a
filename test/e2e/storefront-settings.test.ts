import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { type RunningStore, startStore } from "./store";

// Storefront settings that existed only as API, now forms staff use: the installable app and app links,
// analytics (consent, retention, time zone), and a variant's GTIN and MPN. Each form goes through the same
// audited service as its API route; every check here reads the effect where shoppers and crawlers see it.

const PORT = Number(process.env.E2E_STOREFRONT_SETTINGS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 52);
const ADMIN = { email: "storefront-forms@example.test", password: "storefront forms password 8" };
let store: RunningStore;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, admin: ADMIN, products: 10 })]);
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
  page = await context.newPage();
  await page.goto("/account/login?returnTo=%2Fadmin%2Fsettings");
  await signInOnPage(page, ADMIN);
  await page.waitForURL(/\/admin\/settings$/);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function shootBoth(name: string) {
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    expect(sideways, `${name} scrolls sideways at ${viewport.width}px`).toBe(false);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

const audit = async (action: string) =>
  ((await (await page.request.get(`/api/admin/audit?action=${action}`)).json()) as { items: { actorEmail: string; before: unknown; after: unknown }[] }).items;

describe("the installable app and app links form", () => {
  it("saves name, colours and an iOS app; the manifest, every layout's theme-color and the .well-known file follow; a bad line is named", async () => {
    expect(await (await fetch(`${store.baseUrl}/`)).text()).toContain('<meta name="theme-color" content="#2a211b"');
    await page.goto("/admin/settings");
    await page.getByRole("link", { name: "Installable app and app links" }).click();
    await page.waitForURL(/\/admin\/settings\/app$/);

    await page.getByLabel("App name").fill("Northwind Outfitters");
    await page.getByLabel("Launcher label").fill("Northwind");
    await page.getByLabel("Browser chrome colour").fill("#0b3d2e");
    await page.getByLabel("Splash screen colour").fill("#f4f1ea");
    await page.getByLabel("iOS apps").fill("not-an-app-id\nABCDE12345.com.northwind.store");
    await page.getByRole("button", { name: "Save" }).click();
    expect(await page.getByRole("alert").first().innerText()).toContain("Line 1");
    expect(await page.getByLabel("iOS apps").getAttribute("aria-invalid")).toBe("true");
    await shootBoth("settings-app-error");

    await page.getByLabel("iOS apps").fill("ABCDE12345.com.northwind.store");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/\/admin\/settings\/app\?done=saved$/);
    expect(await page.getByRole("status").first().innerText()).toContain("saved");
    expect(await page.getByLabel("App name").inputValue()).toBe("Northwind Outfitters");
    await shootBoth("settings-app");

    const manifest = (await (await fetch(`${store.baseUrl}/manifest.webmanifest`)).json()) as Record<string, string>;
    expect(manifest).toMatchObject({ name: "Northwind Outfitters", short_name: "Northwind", theme_color: "#0b3d2e", background_color: "#f4f1ea" });
    const aasa = (await (await fetch(`${store.baseUrl}/.well-known/apple-app-site-association`)).json()) as { applinks: { details: { appIDs: string[] }[] } };
    expect(aasa.applinks.details[0]?.appIDs).toEqual(["ABCDE12345.com.northwind.store"]);
    // The shopper's pages (cached for everyone, moved on by the change) and the admin's own.
    for (const path of ["/", "/search", "/cart"]) {
      const html = await (await fetch(`${store.baseUrl}${path}`)).text();
      expect(html, path).toContain('<meta name="theme-color" content="#0b3d2e"');
    }
    expect(await page.locator('meta[name="theme-color"]').getAttribute("content")).toBe("#0b3d2e");

    const entries = await audit("settings.storefront");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorEmail: ADMIN.email, after: expect.objectContaining({ themeColor: "#0b3d2e", appName: "Northwind Outfitters" }) });
  });
});

describe("the analytics settings form", () => {
  it("switches consent on and sets retention, audited; the storefront asks before sending; a bad retention is named", async () => {
    await page.goto("/admin/settings/analytics");
    await page.getByLabel("Keep raw events for (days)").fill("5");
    await page.getByRole("button", { name: "Save" }).click();
    expect(await page.getByRole("alert").first().innerText()).toContain("At least 30 days");
    expect(await page.getByLabel("Keep raw events for (days)").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Ask shoppers first").check();
    await page.getByLabel("Keep raw events for (days)").fill("45");
    await page.getByLabel("Reports' time zone").selectOption("Europe/Berlin");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/\/admin\/settings\/analytics\?done=saved$/);
    await shootBoth("settings-analytics");
    expect(await page.getByLabel("Ask shoppers first").isChecked()).toBe(true);

    const api = await (await page.request.get("/api/admin/analytics/settings")).json();
    expect(api).toEqual({ timeZone: "Europe/Berlin", consentRequired: true, retentionDays: 45 });
    const entries = await audit("settings.analytics");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorEmail: ADMIN.email, after: { timeZone: "Europe/Berlin", consentRequired: true, retentionDays: 45 } });
  });
});

describe("analytics consent in the shopper's browser (consent required, set above)", () => {
  /** A shopper's browser that records every analytics batch it sends (type list per batch). */
  async function shopper(gpc: boolean) {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    if (gpc) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
    const tab = await context.newPage();
    const batches: string[][] = [];
    tab.on("request", (r) => {
      if (!r.url().includes("/api/analytics/")) return;
      const body = JSON.parse(r.postData() ?? "{}") as { events?: { type: string }[] };
      batches.push((body.events ?? []).map((e) => e.type));
    });
    return { context, tab, batches };
  }

  it("sends nothing before the shopper allows it, and events flow after", async () => {
    const { context, tab, batches } = await shopper(false);
    await tab.goto("/");
    const allow = tab.getByRole("button", { name: "Allow" });
    await expect.poll(() => allow.count()).toBe(1);
    await screenshot(tab, "analytics-consent-prompt");
    await tab.goto("/search?q=a");
    // Longer than the script's batching delay: anything queued would have gone by now.
    await tab.waitForTimeout(2500);
    await tab.goto("/");
    await tab.waitForTimeout(1500);
    expect(batches).toEqual([]);

    await allow.click();
    await expect.poll(() => batches.flat(), { timeout: 10_000 }).toContain("page_viewed");
    expect(await allow.count()).toBe(0);
    const before = batches.length;
    await tab.goto("/search?q=a");
    await expect.poll(() => batches.slice(before).flat(), { timeout: 10_000 }).toContain("search_performed");
    await context.close();
  });

  it("sends nothing from a browser with Global Privacy Control, even with consent stored, and shows no prompt", async () => {
    const { context, tab, batches } = await shopper(true);
    await context.addInitScript(() => localStorage.setItem("ec-analytics-consent", "granted"));
    await tab.goto("/");
    await tab.goto("/search?q=a");
    await tab.waitForTimeout(2500);
    await tab.goto("/");
    expect(await tab.getByRole("button", { name: "Allow" }).count()).toBe(0);
    expect(batches).toEqual([]);
    await context.close();
  });
});

describe("GTIN and MPN in the product form", () => {
  it("saves a variant's identifiers (a wrong check digit is named), shown in the product page's structured data, and clears them", async () => {
    const list = (await (await page.request.get("/api/admin/products?status=active&perPage=5")).json()) as { items: { id: string; slug: string }[] };
    const product = list.items[0];
    if (!product) throw new Error("no product");
    await page.goto(`/admin/products/${product.id}`);
    await page.getByLabel("Variant 1 GTIN (barcode number)").fill("4006381333932");
    await page.getByLabel("Variant 1 Manufacturer part number").fill("NW-TEST-001");
    await page.getByRole("button", { name: "Save changes", exact: true }).click();
    expect(await page.getByRole("alert").first().innerText()).toContain("check digit");
    expect(await page.getByLabel("Variant 1 GTIN (barcode number)").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Variant 1 GTIN (barcode number)").fill("4006381333931");
    await page.getByRole("button", { name: "Save changes", exact: true }).click();
    await page.waitForURL(/\?saved=updated$/);
    await shootBoth("settings-product-identifiers");
    const saved = (await (await page.request.get(`/api/admin/products/${product.id}`)).json()) as { variants: { gtin: string | null; mpn: string | null }[] };
    expect(saved.variants[0]).toMatchObject({ gtin: "4006381333931", mpn: "NW-TEST-001" });
    const html = await (await fetch(`${store.baseUrl}/p/${product.slug}`)).text();
    expect(html).toContain('"gtin":"4006381333931"');
    expect(html).toContain('"mpn":"NW-TEST-001"');

    await page.goto(`/admin/products/${product.id}`);
    await page.getByLabel("Variant 1 GTIN (barcode number)").fill("");
    await page.getByRole("button", { name: "Save changes", exact: true }).click();
    await page.waitForURL(/\?saved=updated$/);
    const cleared = (await (await page.request.get(`/api/admin/products/${product.id}`)).json()) as { variants: { gtin: string | null; mpn: string | null }[] };
    expect(cleared.variants[0]).toMatchObject({ gtin: null, mpn: "NW-TEST-001" });
  });
});
