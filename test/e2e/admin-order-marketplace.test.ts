import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSecrets } from "../../scripts/secrets.mjs";
import { type RunningStore, seedState, serveStore } from "../support/store";
import { launchBrowser, SCREENSHOTS, screenshot, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";

// Its own store with the demo marketplace (`npm run users:demo` on a seeded catalog), served with the same PII key
// ring the demo orders' addresses were encrypted with. Staff read the marketplace side of its orders.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 71;
const ADMIN = { email: "order-market-admin@example.test", password: "market order admin passphrase 5" };
const root = path.resolve(import.meta.dirname, "../..");

let store: RunningStore;
let browser: Browser;
let desk: BrowserContext;
let phone: BrowserContext;

beforeAll(async () => {
  const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-store-"));
  await seedState(persist, { products: 80, admin: ADMIN, output: "ignore" });
  const secrets = generateSecrets();
  const demo = spawnSync(process.execPath, [path.join(root, "scripts/users.ts"), "demo", "--persist-to", persist], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ENVIRONMENT: "test", PII_KEYS: secrets.PII_KEYS, WRANGLER_SEND_METRICS: "false" },
  });
  expect(demo.status, demo.stderr).toBe(0);
  expect(demo.stdout).toContain("Wrote 11 demo marketplace orders");
  [store, browser] = await Promise.all([
    serveStore({ port: STORE_PORT, persist, vars: { ...secrets, ENVIRONMENT: "test" }, removeStateOnStop: true }),
    launchBrowser(),
  ]);
  desk = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
  phone = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, isMobile: true, hasTouch: true });
  for (const context of [desk, phone]) {
    const page = await context.newPage();
    await page.goto("/account/login?returnTo=/admin/orders");
    await signInOnPage(page, ADMIN);
    await page.close();
  }
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

const sellers = (page: Page) => page.getByRole("region", { name: "Sellers" });
const part = (page: Page, name: string) => sellers(page).getByRole("article", { name: new RegExp(name) });

describe("the admin order page: the marketplace side of an order", () => {
  it("shows each seller's part with its parcel, the rule and commission per line, the seller's totals and what the store keeps", async () => {
    const page = await desk.newPage();
    // A delivered order of two sellers and one of the store's own items, long past the hold.
    await page.goto("/admin/orders/ord_demo_mkt_002");
    await expect.poll(() => sellers(page).count()).toBe(1);
    const harbor = part(page, "Harbor & Home");
    const lumen = part(page, "Lumen Outfitters");
    expect(await harbor.getByRole("link", { name: "Harbor & Home" }).getAttribute("href")).toBe("/admin/vendors/vnd_demo_harbor");
    expect(await harbor.locator("[data-part-status]").textContent()).toBe("Delivered");
    expect(await harbor.locator("[data-seller-parcel]").textContent()).toMatch(/UPS · 1ZDEMO0002\d .*Delivered/);
    expect(await harbor.locator("[data-seller-shipping]").textContent()).toBe("$5.99");
    // Harbor's rule is a fixed fee per unit; Lumen's first product has a product rule of 8 % over its 10 % seller rule.
    expect(await harbor.locator("[data-rule]").first().textContent()).toMatch(/^\$2\.50 per unit \(seller rule\)$/);
    expect(await lumen.locator("[data-rule]").first().textContent()).toMatch(/^8 % \(product rule\)$/);
    // Lumen's rule takes 10 % of its shipping too.
    expect(await lumen.locator("[data-total=shipping-commission]").textContent()).toBe("of it on shipping$0.60");
    for (const p of [harbor, lumen]) {
      // The demo pays every seller what was payable when it was seeded (a manual payout with a bank reference).
      expect(await p.locator("[data-money-state]").getAttribute("data-money-state")).toBe("paid");
      expect(await p.locator("[data-money-state]").textContent()).toMatch(/Paid in payout po_/);
    }
    const keeps = sellers(page).locator("[data-store-keeps]");
    expect(await keeps.textContent()).toContain("The store keeps");
    expect(await keeps.locator('[data-store="shipping"]').textContent()).toBe("$5.99");
    expect(await keeps.locator('[data-store="tax"]').textContent()).toBe("$0.00");
    await screenshot(page, "admin-order-marketplace");
    await sellers(page).screenshot({ path: path.join(SCREENSHOTS, "admin-order-sellers-1280.png") });

    // The seller's name leads to its admin page.
    await harbor.getByRole("link", { name: "Harbor & Home" }).click();
    await page.waitForURL(/\/admin\/vendors\/vnd_demo_harbor$/);
    await expect.poll(() => page.getByRole("heading", { name: "Harbor & Home" }).count()).toBeGreaterThan(0);
    await page.close();
  });

  it("on a phone: parts awaiting shipment and shipped, held until delivery, a refunded line, and a payout once it runs", async () => {
    const page = await phone.newPage();
    await page.goto("/admin/orders/ord_demo_mkt_008");
    const trail = part(page, "Trail Supply Co.");
    expect(await trail.locator("[data-part-status]").textContent()).toBe("Shipped");
    expect(await trail.locator("[data-money-state]").textContent()).toMatch(/Held until \d+ days after delivery/);
    expect(await part(page, "Harbor & Home").locator("[data-part-status]").textContent()).toBe("Awaiting shipment");
    expect(await part(page, "Harbor & Home").locator("[data-seller-parcel]").textContent()).toContain("Not shipped yet");
    // Nothing on the page is wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    await screenshot(page, "admin-order-marketplace-phone");
    await sellers(page).screenshot({ path: path.join(SCREENSHOTS, "admin-order-sellers-390.png") });

    await page.goto("/admin/orders/ord_demo_mkt_005");
    const harbor = part(page, "Harbor & Home");
    expect(await harbor.locator("[data-total=refunded]").count()).toBe(1);
    expect(await harbor.locator("[data-money-state]").textContent()).toContain("refunded");

    // Staff run payouts: the delivered sales go out, and the order names the payout that carried them.
    const run = await desk.request.post("/api/admin/payouts/run", { data: {}, headers: { Origin: store.baseUrl } });
    expect(run.status()).toBe(200);
    await page.goto("/admin/orders/ord_demo_mkt_001");
    await expect
      .poll(
        async () => {
          await page.reload();
          return part(page, "Trail Supply Co.").locator("[data-money-state]").getAttribute("data-money-state");
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe("paid");
    expect(await part(page, "Trail Supply Co.").locator("[data-payout-link]").textContent()).toMatch(/^po_/);
    await screenshot(page, "admin-order-marketplace-paid");
    await page.close();
  });

  it("the demo seller's owner signs in and its overview shows its sales and balance", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto("/account/login?returnTo=/vendor");
    await signInOnPage(page, { email: "vendor@demo.test", password: "northwind-vendor-demo" });
    await page.waitForURL((url) => url.pathname === "/vendor");
    const sales = page.getByRole("region", { name: "Sales" });
    expect(await sales.textContent()).toContain("To date: 8 orders");
    expect(await page.getByRole("region", { name: "Orders to ship" }).textContent()).toContain("1 order paid and waiting");
    await screenshot(page, "vendor-overview-demo");
    await context.close();
  });
});
