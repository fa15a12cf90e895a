// The built store as phones and search engines see it: the manifest and the app-link files follow the storefront
// settings, and a product page's JSON-LD (read from the page Chromium rendered) states shipping, identifiers and
// only published reviews.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { merchantListingProblems } from "../support/merchant-listing";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInByApi } from "./staff-sign-in";
import { type RunningStore, startStore } from "./store";

const ADMIN = { email: "storefront-desk@example.test", password: "storefront desk password 42" };
const PORT = Number(process.env.E2E_STOREFRONT_PORT ?? (process.env.E2E_PORT ? Number(process.env.E2E_PORT) + 44 : 8834));
let store: RunningStore;
let browser: Browser;
let adminCookie = "";

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, admin: ADMIN, products: 20 })]);
  const login = await signInByApi(store.baseUrl, ADMIN);
  expect(login.status).toBe(200);
  adminCookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await store?.stop();
});

const patchSettings = (body: unknown) =>
  fetch(`${store.baseUrl}/api/admin/settings/storefront`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Cookie: adminCookie, Origin: store.baseUrl },
    body: JSON.stringify(body),
  });

describe("the installable app and app links follow the storefront settings", () => {
  it("serves the design system's manifest and empty app-link files by default, and the configured ones after a change", async () => {
    const before = (await (await fetch(`${store.baseUrl}/manifest.webmanifest`)).json()) as Record<string, string>;
    expect(before).toMatchObject({ theme_color: "#2a211b", background_color: "#faf7f2" });
    expect(await (await fetch(`${store.baseUrl}/.well-known/assetlinks.json`)).json()).toEqual([]);

    const saved = await patchSettings({
      appName: "Northwind Outfitters",
      appShortName: "Northwind",
      themeColor: "#0b3d2e",
      backgroundColor: "#f4f1ea",
      appleAppIds: ["ABCDE12345.com.northwind.store"],
    });
    expect(saved.status).toBe(200);
    const manifest = await fetch(`${store.baseUrl}/manifest.webmanifest`);
    expect(manifest.headers.get("content-type")).toMatch(/^application\/manifest\+json/);
    expect(await manifest.json()).toMatchObject({
      name: "Northwind Outfitters",
      short_name: "Northwind",
      theme_color: "#0b3d2e",
      background_color: "#f4f1ea",
      display: "standalone",
    });
    const aasa = await fetch(`${store.baseUrl}/.well-known/apple-app-site-association`, { redirect: "manual" });
    expect(aasa.status).toBe(200);
    expect(aasa.headers.get("content-type")).toBe("application/json");
    expect(((await aasa.json()) as { applinks: { details: { appIDs: string[] }[] } }).applinks.details[0]?.appIDs).toEqual(["ABCDE12345.com.northwind.store"]);
  });
});

describe("a product page's structured data in the built store", () => {
  it("has shipping to the main country and a part number on every offer, at phone and desktop width", async () => {
    const index = await (await fetch(`${store.baseUrl}/sitemaps/products-1.xml`)).text();
    const paths = [...index.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1] as string).pathname).slice(0, 5);
    expect(paths.length).toBeGreaterThan(0);
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      for (const [i, productPath] of paths.entries()) {
        await page.goto(`${store.baseUrl}${productPath}`);
        const blocks = (await page.locator('script[type="application/ld+json"]').allTextContents()).map((t) => JSON.parse(t));
        const product = blocks.flat().find((b) => b["@type"] === "Product");
        expect(product, productPath).toBeTruthy();
        const problems = merchantListingProblems(product);
        expect(problems.required, productPath).toEqual([]);
        // Ratings and reviews appear only where published reviews exist; everything else is stated.
        expect(
          problems.recommended.filter((p) => !/^(review|aggregateRating)$/.test(p)),
          productPath,
        ).toEqual([]);
        for (const offer of product.offers) {
          expect(offer.shippingDetails.shippingDestination.addressCountry, productPath).toBe("US");
          expect(offer.mpn, productPath).toBeTruthy();
        }
        if (i === 0) await screenshot(page, `storefront-product-${name}`);
      }
      await page.close();
    }
  });
});
