// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads the rendered text on purpose (what a person sees).
// Two back-office pages in Chromium on a store of this file's own: per-seller figures (the store's Sellers section in
// /admin/analytics and the seller's own /vendor/analytics), and the app icon upload in the admin settings, after
// which the browser reads the manifest, finds the uploaded icons and still calls the store installable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePng } from "../../worker/media/png";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByApi } from "./sign-up";
import { signInByApi, signInOnPage } from "./staff-sign-in";
import { type RunningStore, startStore } from "./store";

const PORT = Number(process.env.E2E_PORT ?? 8790) + 12;
const ADMIN = { email: "figures-admin@example.test", password: "figures admin passphrase 3" };
const SELLER = { email: "weaver@example.test", password: "loom and shuttle passphrase 8", name: "Wes Weaver" };
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let store: RunningStore;
let browser: Browser;
let productId = "";
let productName = "";
const profiles: string[] = [];

async function api(path: string, token: string, body?: unknown) {
  const res = await fetch(`${store.baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}
const tokenOf = async (res: Response) => ((await res.json()) as { accessToken: string }).accessToken;

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, products: 4, admin: ADMIN })]);
  const registered = await signUpByApi(store, SELLER);
  if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
  const applicant = await tokenOf(await signInByApi(store.baseUrl, SELLER));
  const applied = await api("/api/vendor-applications", applicant, {
    name: "Wes's Weaving",
    handle: "wes-weaving",
    contactEmail: SELLER.email,
    country: "US",
    description: "Hand-woven wool throws and cushions.",
  });
  const admin = await tokenOf(await signInByApi(store.baseUrl, ADMIN));
  await api(`/api/admin/vendors/${applied.id}/approve`, admin, {});
  // Approval changes the account's role, which ends its sessions: sign in again as the seller.
  const seller = await tokenOf(await signInByApi(store.baseUrl, SELLER));
  const categories = (await (await fetch(`${store.baseUrl}/api/categories`)).json()) as { items?: { id: string }[] } | { id: string }[];
  const categoryId = (Array.isArray(categories) ? categories : (categories.items ?? []))[0]?.id;
  productName = "Herringbone wool throw";
  const product = await api("/api/vendor/products", seller, {
    name: productName,
    status: "active",
    categoryId,
    variants: [{ sku: `WEAVE-${Date.now().toString(36).toUpperCase()}`, price: 12_900, initialStock: 5 }],
  });
  productId = String(product.id);
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
});

async function shootBoth(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    expect(sideways, `${name} scrolls sideways at ${viewport.width}px`).toBe(false);
  }
}

describe("per-seller figures", () => {
  it("shows the store each seller's views and the seller only its own figures", async () => {
    // Three shoppers look at the seller's product (events go through the analytics queue, as the storefront sends them).
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${store.baseUrl}/api/analytics/events`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: store.baseUrl, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0" },
        body: JSON.stringify({ sessionId: `sellerfigures${i}session${Date.now()}`, events: [{ type: "product_viewed", subjectId: productId }] }),
      });
      expect(res.status).toBe(202);
    }
    const adminContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const admin = await adminContext.newPage();
    await admin.goto("/account/login?returnTo=%2Fadmin%2Fanalytics");
    await signInOnPage(admin, ADMIN);
    const row = admin.locator('[data-report="vendors"] tr[data-vendor="wes-weaving"]');
    await expect
      .poll(
        async () => {
          await admin.goto("/admin/analytics");
          return (await row.count()) ? row.locator('[data-figure="views"]').innerText() : "none";
        },
        { timeout: 60_000, interval: 1_500 },
      )
      .toBe("3");
    expect(await row.locator("th").innerText()).toBe("Wes's Weaving");
    expect(await row.locator('[data-figure="conversion"]').innerText()).toBe("0.0%");
    expect(await admin.getByRole("heading", { name: "Sellers" }).count()).toBe(1);
    expect(await admin.getByRole("link", { name: "Download sellers as CSV" }).count()).toBe(1);
    await admin.locator("#vendors-title").scrollIntoViewIfNeeded();
    await shootBoth(admin, "seller-figures-admin");
    await adminContext.close();

    const sellerContext = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, baseURL: store.baseUrl });
    const page = await sellerContext.newPage();
    await page.goto("/account/login?returnTo=%2Fvendor%2Fanalytics");
    await signInOnPage(page, SELLER);
    await page.waitForURL(/\/vendor\/analytics$/);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Analytics");
    expect(await page.locator('[data-kpi="views"]').innerText()).toBe("3");
    expect(await page.locator('[data-kpi="sales"]').innerText()).toBe("$0.00");
    expect(await page.locator('[data-report="vendor-products"] tbody').innerText()).toContain(productName);
    expect(await page.getByRole("link", { name: "Analytics" }).getAttribute("aria-current")).toBe("page");
    await shootBoth(page, "seller-figures-vendor");
    await sellerContext.close();
  }, 180_000);
});

/** A 640 px square PNG: a white leaf-green disc on transparency. */
function iconPicture(): Buffer {
  const size = 640;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      if ((x - 320) ** 2 + (y - 320) ** 2 > 250 ** 2) continue;
      data.set([40, 120, 70, 255], (y * size + x) * 4);
    }
  return Buffer.from(encodePng({ width: size, height: size, data }));
}

/** A fresh persistent profile (an incognito context is never installable, and a new profile has no cached manifest). */
async function openProfile() {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-commerce-icon-"));
  profiles.push(dir);
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    viewport: VIEWPORTS.desktop,
    baseURL: store.baseUrl,
  });
}

describe("the app icon", () => {
  it("is uploaded in the settings, the manifest names the new icons and the store stays installable", async () => {
    const context = await openProfile();
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto("/account/login?returnTo=%2Fadmin%2Fsettings%2Fapp-icon");
      await signInOnPage(page, ADMIN);
      await page.waitForURL(/\/admin\/settings\/app-icon$/);
      expect(await page.locator("[data-app-icons]").getAttribute("data-app-icons")).toBe("built-in");
      // A picture that is not square is refused beside the field.
      await page.getByLabel("Icon picture").setInputFiles({
        name: "wide.png",
        mimeType: "image/png",
        buffer: Buffer.from(encodePng({ width: 600, height: 500, data: new Uint8Array(600 * 500 * 4) })),
      });
      await page.getByRole("button", { name: "Upload icon" }).click();
      await expect.poll(() => page.locator("#field-file-error").count()).toBe(1);
      expect(await page.locator("#field-file-error").innerText()).toContain("must be square");
      expect(await page.getByLabel("Icon picture").getAttribute("aria-invalid")).toBe("true");

      await page.getByLabel("Icon picture").setInputFiles({ name: "icon.png", mimeType: "image/png", buffer: iconPicture() });
      await page.getByRole("button", { name: "Upload icon" }).click();
      await page.waitForURL(/done=uploaded/);
      expect(await page.locator("[data-app-icons]").getAttribute("data-app-icons")).toBe("uploaded");
      await shootBoth(page, "app-icon-settings");
      // What the store serves now (a browser that read the manifest before keeps its copy up to an hour).
      const served = (await (await page.request.get("/manifest.webmanifest")).json()) as { icons: { src: string }[] };
      expect(served.icons.every((i) => i.src.startsWith("/media/uploads/"))).toBe(true);
    } finally {
      await context.close();
    }

    // A shopper's browser meeting the store for the first time.
    const shopper = await openProfile();
    try {
      const page = shopper.pages()[0] ?? (await shopper.newPage());
      await page.goto("/");
      const cdp = await shopper.newCDPSession(page);
      const { data, errors } = await cdp.send("Page.getAppManifest");
      expect(errors).toEqual([]);
      const manifest = JSON.parse(data ?? "{}") as { icons: { src: string; sizes: string; purpose: string }[] };
      expect(manifest.icons.map((i) => `${i.purpose} ${i.sizes}`)).toEqual(["any 192x192", "any 512x512", "maskable 192x192", "maskable 512x512"]);
      for (const icon of manifest.icons) {
        expect(icon.src).toMatch(/^\/media\/uploads\/[0-9a-f]{64}\.png$/);
        const res = await page.request.get(icon.src);
        expect(res.headers()["content-type"]).toBe("image/png");
        expect((await res.body()).readUInt32BE(16)).toBe(Number(icon.sizes.split("x")[0]));
      }
      await page.waitForFunction(() => navigator.serviceWorker.controller?.state === "activated", null, { timeout: 30_000 });
      const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
      expect(installabilityErrors).toEqual([]);
    } finally {
      await shopper.close();
    }
  }, 180_000);
});
