import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { solidPng, startImageHost } from "./fake-image-host";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// A private store with an admin, and a picture host on another port (= another origin), both after the shared store's ports.
const STORE_PORT = Number(process.env.E2E_MEDIA_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 10);
const IMAGE_PORT = STORE_PORT + 1;
const ADMIN = { email: "media-admin@example.test", password: "media admin e2e password 77" };
const UPLOADED = solidPng(320, [196, 112, 74]);
const EXTERNAL = solidPng(240, [47, 93, 158]);

let store: Awaited<ReturnType<typeof startStore>>;
let host: Awaited<ReturnType<typeof startImageHost>>;
let browser: Browser;

beforeAll(async () => {
  host = await startImageHost(IMAGE_PORT, EXTERNAL);
  store = await startStore({ port: STORE_PORT, products: 5, admin: ADMIN });
  browser = await launchBrowser();
  // Seeding and start-up share two cores with other work: allow for a slow machine.
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
  await host?.close();
});

/** Collects CSP violations from the console and from `securitypolicyviolation` events. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (/Content Security Policy/i.test(m.text())) console.push(m.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return async () => [...console, ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))];
}

describe("product pictures in a real browser", () => {
  it("an admin uploads a picture and links one from an allowed origin; the product page renders both under its CSP", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const page = await context.newPage();
    await page.goto("/account/login?returnTo=%2Fadmin%2Fproducts%2Fnew");
    await signInOnPage(page, ADMIN);
    await page.waitForURL(/\/admin\/products\/new$/);

    const external = `${host.origin}/cdn/harbour-chair.png`;
    await page.getByLabel("Name", { exact: true }).fill("Harbour Lounge Chair");
    await page.getByLabel("Status", { exact: true }).selectOption("active");
    const categoryValue = await page.locator("#field-categoryId option").nth(1).getAttribute("value");
    await page.getByLabel("Category", { exact: true }).selectOption(categoryValue ?? "");
    await page.getByLabel("Variant 1 SKU").fill("HARBOUR-CHAIR");
    await page.getByLabel("Variant 1 Price").fill("249.00");
    await page.getByLabel("Variant 1 Opening stock").fill("3");
    await page.locator("#field-images").fill(`${external} | The chair from the side`);
    await page.setInputFiles("#field-upload", { name: "chair.png", mimeType: "image/png", buffer: UPLOADED });
    await page.getByRole("button", { name: "Create product" }).last().click();

    // The picture host is not allowed yet: the editor says so, and where to allow it.
    const summary = page.getByRole("alert");
    await expect.poll(() => summary.innerText()).toContain(`${host.origin} is not an allowed image origin`);
    expect(await summary.innerText()).toContain("Settings → Images");
    // The upload was stored on that first post and kept in the list.
    const images = await page.locator("#field-images").inputValue();
    expect(images).toMatch(/\n\/media\/uploads\/[0-9a-f]{64}\.png$/);

    const settings = await context.newPage();
    await settings.goto("/admin/settings");
    await settings.getByRole("link", { name: "Images", exact: true }).click();
    await settings.waitForURL(/\/admin\/settings\/images$/);
    await settings.getByLabel("Allowed image origins").fill(`${host.origin}/cdn/`);
    await settings.getByRole("button", { name: "Save" }).click();
    // A path is refused, naming the line.
    await expect.poll(() => settings.getByRole("alert").innerText()).toContain("Line 1");
    await settings.getByLabel("Allowed image origins").fill(host.origin);
    await settings.getByRole("button", { name: "Save" }).click();
    await settings.waitForURL(/done=saved$/);
    expect(await settings.getByLabel("Allowed image origins").inputValue()).toBe(host.origin);
    await screenshot(settings, "admin-settings-images");
    await settings.close();

    await page.getByRole("button", { name: "Create product" }).last().click();
    await page.waitForURL(/\/admin\/products\/prod_[a-z0-9]+\?saved=created$/);

    for (const viewport of ["phone", "desktop"] as const) {
      const shopper = await browser.newContext({ viewport: VIEWPORTS[viewport], baseURL: store.baseUrl });
      const shop = await shopper.newPage();
      const violations = await watchCsp(shop);
      const res = await shop.goto("/p/harbour-lounge-chair");
      expect(res?.status()).toBe(200);
      const csp = res?.headers()["content-security-policy"] ?? "";
      expect(csp).toContain(`img-src 'self' data: ${host.origin};`);
      const gallery = shop.locator(".gallery-main img");
      expect(await gallery.count()).toBe(2);
      const sources = await gallery.evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).getAttribute("src")));
      expect(sources[0]).toBe(external);
      expect(sources[1]).toMatch(/^\/media\/uploads\/[0-9a-f]{64}\.png$/);
      // Each picture decodes (a blocked or broken one has naturalWidth 0); the second is lazy, so bring it into view.
      for (let i = 0; i < 2; i++) {
        await gallery.nth(i).scrollIntoViewIfNeeded();
        await expect
          .poll(() => gallery.nth(i).evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth), { timeout: 10_000 })
          .toBe(i === 0 ? 240 : 320);
      }
      await shop.evaluate(() => {
        document.querySelector(".gallery-main")?.scrollTo(0, 0);
        window.scrollTo(0, 0);
      });
      await screenshot(shop, "product-media");
      expect(await violations()).toEqual([]);
      await shopper.close();
    }
    expect(host.requests).toContain("/cdn/harbour-chair.png");

    // The uploaded picture is served as immutable, typed from its bytes.
    const uploadedUrl = images.split("\n").pop() ?? "";
    const picture = await context.request.get(uploadedUrl);
    expect(picture.headers()["content-type"]).toBe("image/png");
    expect(picture.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
    await context.close();
  }, 240_000);
});
