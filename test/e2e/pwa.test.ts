// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads the rendered text on purpose (what a shopper sees).
// The installable, offline-capable store in Debian's Chromium, through the DevTools protocol where the browser has
// no page-level API (installability). Each test runs in a persistent profile: an incognito context is never installable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { screenshot, VIEWPORTS } from "./browser";
import { signUpByApi } from "./sign-up";

const baseUrl = inject("baseUrl");
const persistDir = inject("persistDir");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const profiles: string[] = [];
const contexts: BrowserContext[] = [];

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
});

/** A fresh browser profile (not incognito, so the browser may offer to install), with a client IP of its own. */
async function openProfile(viewport: keyof typeof VIEWPORTS, ip: string): Promise<{ context: BrowserContext; page: Page }> {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-commerce-pwa-"));
  profiles.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
    viewport: VIEWPORTS[viewport],
    baseURL: baseUrl,
    extraHTTPHeaders: { "CF-Connecting-IP": ip },
  });
  contexts.push(context);
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** Opens the home page and waits until the service worker controls it (installed, activated, claimed). */
async function withServiceWorker(page: Page): Promise<void> {
  await page.goto("/");
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === "activated", null, { timeout: 30_000 });
}

/** Every URL in every Cache Storage cache of the page's origin, with the Cache-Control it was stored with. */
function cacheContents(page: Page): Promise<{ cache: string; url: string; cacheControl: string }[]> {
  return page.evaluate(async () => {
    const out: { cache: string; url: string; cacheControl: string }[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const res = await cache.match(request);
        out.push({ cache: name, url: request.url, cacheControl: res?.headers.get("cache-control") ?? "" });
      }
    }
    return out;
  });
}

interface Detail {
  slug: string;
  name: string;
  variants: { sku: string; stockStatus: string }[];
}

/** An in-stock product with a single variant, so "Add to cart" needs no choice first. */
async function simpleProduct(): Promise<Detail> {
  const list = (await (await fetch(`${baseUrl}/api/products?inStock=true&sort=newest&perPage=100`)).json()) as { items: { slug: string }[] };
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${baseUrl}/api/products/${slug}`)).json()) as Detail;
    if (detail.variants.length === 1 && detail.variants[0]?.stockStatus === "in_stock") return detail;
  }
  throw new Error("no single-variant product in stock");
}

describe("the store as an installable app", () => {
  it("is installable: a manifest from the store's settings, icons that load, and a service worker in control", async () => {
    const { context, page } = await openProfile("phone", "203.0.113.11");
    await withServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    expect(installabilityErrors).toEqual([]);
    const { url, errors, data } = await cdp.send("Page.getAppManifest");
    expect(errors).toEqual([]);
    expect(new URL(url).pathname).toBe("/manifest.webmanifest");
    const manifest = JSON.parse(data ?? "{}") as {
      name: string;
      display: string;
      icons: { src: string; sizes: string; purpose: string }[];
      shortcuts: { url: string }[];
    };
    expect(manifest.name).toBe(await page.locator(".logo span").innerText());
    expect(manifest.display).toBe("standalone");
    expect(manifest.icons.filter((i) => i.purpose === "maskable").map((i) => i.sizes)).toEqual(["192x192", "512x512"]);
    expect(manifest.shortcuts.map((s) => s.url)).toEqual(["/search", "/cart", "/account/orders"]);
    for (const icon of manifest.icons) {
      const res = await page.request.get(icon.src);
      expect(res.headers()["content-type"]).toBe("image/png");
      // The PNG's own width is the size the manifest claims.
      expect((await res.body()).readUInt32BE(16)).toBe(Number(icon.sizes.split("x")[0]));
    }
    // The build's files are precached with the worker, so the shell needs no network.
    const precached = (await cacheContents(page)).filter((e) => e.cache.startsWith("ec-precache-")).map((e) => new URL(e.url).pathname);
    expect(precached).toContain("/offline");
    expect(precached.some((p) => /^\/_astro\/.+\.css$/.test(p))).toBe(true);
    expect(precached.some((p) => /^\/_astro\/SearchBox\..+\.js$/.test(p))).toBe(true);
  });

  it("offers its own install button where the browser allows installing, and it opens the browser's prompt", async () => {
    const { page } = await openProfile("phone", "203.0.113.12");
    await withServiceWorker(page);
    // Chromium decides when it fires beforeinstallprompt (engagement, installability); a stand-in event with the same
    // shape shows what the shopper gets and proves the button hands over to the browser's prompt.
    await page.evaluate(() => {
      const offer = Object.assign(new Event("beforeinstallprompt", { cancelable: true }), {
        prompt: async () => {
          (window as unknown as { prompted: boolean }).prompted = true;
        },
        userChoice: Promise.resolve({ outcome: "accepted" }),
      });
      window.dispatchEvent(offer);
    });
    const install = page.getByRole("button", { name: "Install app" });
    await expect.poll(() => install.isVisible()).toBe(true);
    await screenshot(page, "pwa-install-prompt");
    await page.setViewportSize(VIEWPORTS.desktop);
    await screenshot(page, "pwa-install-prompt");
    await install.click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { prompted?: boolean }).prompted === true)).toBe(true);
    await expect.poll(() => install.isVisible()).toBe(false);
  });

  it("with the network off, opens the home page, a product viewed before and the cart", async () => {
    const product = await simpleProduct();
    const { context, page } = await openProfile("phone", "203.0.113.13");
    await withServiceWorker(page);
    // Now under the worker: these visits are kept.
    await page.goto("/");
    await page.goto(`/p/${product.slug}`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(product.name);
    await page.getByRole("button", { name: "Add to cart" }).first().click();
    await expect.poll(() => page.locator("[data-cart-count]").first().innerText()).toBe("1");
    await page.goto("/cart");
    await expect.poll(() => page.locator(".cart-line").count()).toBe(1);

    await context.setOffline(true);
    const home = await page.goto("/");
    expect(home?.status()).toBe(200);
    await expect.poll(() => page.getByRole("heading", { name: "Featured" }).isVisible()).toBe(true);
    // The header counts the saved cart (the kept page was rendered without one).
    await expect.poll(() => page.locator("[data-cart-count]").first().innerText()).toBe("1");

    await page.goto(`/p/${product.slug}`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(product.name);

    await page.goto("/cart");
    await expect.poll(() => page.getByRole("heading", { level: 1, name: "Your cart" }).isVisible()).toBe(true);
    const lines = page.locator("[data-offline-cart-lines] li");
    await expect.poll(() => lines.count()).toBe(1);
    expect(await lines.first().innerText()).toContain(`1 × ${product.name}`);
    await expect.poll(() => page.getByRole("status").filter({ hasText: "You’re offline" }).isVisible()).toBe(true);
    await screenshot(page, "pwa-offline-cart");

    // A page never opened before: the offline page, which says what still works.
    await page.goto("/search?q=never-opened-before");
    await expect.poll(() => page.getByRole("heading", { level: 1, name: "You’re offline" }).isVisible()).toBe(true);
    await screenshot(page, "pwa-offline");
    await page.setViewportSize(VIEWPORTS.desktop);
    await screenshot(page, "pwa-offline");
    await context.setOffline(false);
  });

  it("never keeps private answers: account pages, the cart, admin, no-store API answers and answers that set a cookie", async () => {
    const email = `pwa-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const password = "saffron kettle 7 quietly";
    const registered = await signUpByApi({ baseUrl, persist: persistDir }, { email, name: "Private Person", password }, { "CF-Connecting-IP": "203.0.113.14" });
    expect(registered.status).toBe(201);

    const product = await simpleProduct();
    const { page } = await openProfile("desktop", "203.0.113.14");
    await withServiceWorker(page);
    await page.goto("/");
    await page.goto(`/p/${product.slug}`);
    await page.goto("/account/login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/account$/);
    // Signed in: every page names the shopper and is `private, no-store`.
    await page.goto(`/p/${product.slug}?signed-in`);
    await page.goto("/account/orders");
    await page.goto("/account/profile");
    await page.goto("/admin");
    await page.goto("/cart");
    // API answers of the session: the account, the cart (no-store), and the currency choice (sets a cookie).
    const answers = await page.evaluate(async () => {
      const me = await fetch("/api/me");
      const cart = await fetch("/api/cart");
      const currency = await fetch("/api/currency/select?code=EUR&returnTo=/", { redirect: "manual" });
      const products = await fetch("/api/products?perPage=4");
      return [me.status, cart.headers.get("cache-control"), currency.type, products.status];
    });
    expect(answers[1]).toContain("no-store");
    expect(answers[3]).toBe(200);
    await page.goto("/");

    const kept = await cacheContents(page);
    const runtime = kept.filter((e) => !e.cache.startsWith("ec-precache-"));
    // Not vacuous: the anonymous pages and the catalog answer were kept...
    expect(runtime.map((e) => new URL(e.url).pathname)).toEqual(expect.arrayContaining(["/", `/p/${product.slug}`, "/api/products"]));
    // ...and nothing private was.
    for (const entry of runtime) {
      const { pathname, search } = new URL(entry.url);
      expect(pathname, entry.url).not.toMatch(
        /^\/(?:account|admin|vendor|cart|checkout|orders|api\/(?:account|me|auth|cart|currency|checkout|orders|admin))(?:\/|$)/,
      );
      expect(search, entry.url).not.toContain("signed-in");
      expect(entry.cacheControl, entry.url).toMatch(/\bpublic\b/);
      expect(entry.cacheControl, entry.url).not.toMatch(/private|no-store/);
    }
  });

  it("shows a 'new version' prompt when a new service worker is waiting, and reloads into it", async () => {
    const { page } = await openProfile("phone", "203.0.113.15");
    await withServiceWorker(page);
    const first = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
    expect(first).toBe(`${baseUrl}/sw.js`);
    // A new deploy, as the browser sees it: a different worker script for the same scope. (The browser's update fetch
    // of /sw.js cannot be intercepted from here; registering a new script URL runs the same install → waiting path.)
    await page.evaluate(async () => {
      await navigator.serviceWorker.register("/sw.js?next", { scope: "/" });
    });
    const prompt = page.getByRole("status").filter({ hasText: "A new version is ready" });
    await expect.poll(() => prompt.isVisible(), { timeout: 20_000 }).toBe(true);
    await screenshot(page, "pwa-update-prompt");
    await Promise.all([page.waitForEvent("load"), prompt.getByRole("button", { name: "Reload" }).click()]);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL), { timeout: 20_000 }).toBe(`${baseUrl}/sw.js?next`);
  });
});
