import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByApi } from "./sign-up";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// A private store with an admin account (the shared e2e store has none), on its own port.
const PORT = Number(process.env.E2E_ADMIN_CATALOG_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 2);
const ADMIN = { email: "catalog-admin@example.test", password: "catalog admin e2e password 42" };
const PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  store = await startStore({ port: PORT, products: 30, admin: ADMIN });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/** The page fits the viewport's width (wide tables scroll inside their own box); names what sticks out otherwise. */
async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // Wide content inside a box of its own that scrolls sideways (tables, the section links' row) is fine.
    const inScrollBox = (el: Element) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX)) return true;
      }
      return false;
    };
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".admin-table-wrap") && !inScrollBox(el))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}#${el.id}`);
    return { scroll: document.documentElement.scrollWidth, width, wide };
  });
  expect(overflow.wide).toEqual([]);
  expect(overflow.scroll).toBeLessThanOrEqual(overflow.width);
}

async function signedIn(viewport: keyof typeof VIEWPORTS, who: { email: string; password: string }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], baseURL: store.baseUrl });
  const page = await context.newPage();
  await page.goto("/account/login?returnTo=%2Faccount");
  await signInOnPage(page, who);
  await page.waitForURL(/\/account$/);
  return { context, page };
}

async function adminPage(viewport: keyof typeof VIEWPORTS): Promise<{ context: BrowserContext; page: Page }> {
  const signed = await signedIn(viewport, ADMIN);
  await signed.page.goto("/admin/products");
  return signed;
}

describe("admin catalog in a real browser", () => {
  it("an admin creates a product with two variants, stocks them, and shoppers can buy it at once; a price edit shows immediately", async () => {
    const { context, page } = await adminPage("desktop");
    await screenshot(page, "admin-products");
    await page.getByRole("link", { name: "New product" }).click();
    await page.waitForURL(/\/admin\/products\/new$/);

    await page.getByLabel("Name", { exact: true }).fill("Fjord Wool Beanie");
    await page.getByLabel("Status", { exact: true }).selectOption("active");
    const categoryValue = await page.locator("#field-categoryId option").nth(1).getAttribute("value");
    await page.getByLabel("Category", { exact: true }).selectOption(categoryValue ?? "");
    await page.getByLabel(/^Brand/).fill("Fjord Knitwear");
    await page.getByLabel("Option 1 name").fill("Colour");
    await page.getByLabel("Variant 1 SKU").fill("FJORD-NAVY");
    await page.getByLabel("Variant 1 option 1").fill("Navy");
    await page.getByLabel("Variant 1 Price").fill("24.00");
    await page.getByLabel("Variant 1 Opening stock").fill("5");
    await page.getByLabel("Variant 2 SKU").fill("FJORD-RUST");
    await page.getByLabel("Variant 2 option 1").fill("Rust");
    await page.getByLabel("Variant 2 Price").fill("26,50");
    await page.getByLabel("Description", { exact: true }).fill("Soft merino, ribbed cuff.");
    await page.getByRole("button", { name: "Create product" }).last().click();

    // A bad price is named beside its field and in the summary; what was typed stays.
    const summary = page.getByRole("alert");
    await expect.poll(() => summary.innerText()).toContain("Variant 2, Price: Enter an amount like 12.99");
    expect(await page.getByLabel("Variant 2 Price").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Variant 1 SKU").inputValue()).toBe("FJORD-NAVY");
    await screenshot(page, "admin-product-new-errors");
    await expectNoSidewaysScroll(page);
    await page.getByLabel("Variant 2 Price").fill("26.50");
    await page.getByRole("button", { name: "Create product" }).last().click();
    await page.waitForURL(/\/admin\/products\/prod_[a-z0-9]+\?saved=created$/);
    expect(await page.getByRole("status").innerText()).toContain("Product created");
    const productUrl = new URL(page.url()).pathname;
    await screenshot(page, "admin-product-edit");

    // The second variant's stock goes through the inventory API (the ledger), as the Inventory page would.
    const adjust = await context.request.post("/api/admin/inventory/FJORD-RUST/adjustments", {
      data: { delta: 8, reason: "first delivery" },
      headers: { Origin: store.baseUrl, "Idempotency-Key": "e2e-fjord-rust-1" },
    });
    expect(adjust.status()).toBe(200);
    expect((await adjust.json()).available).toBe(8);

    // A shopper (no cookies) sees both variants with the right prices and can add one to the cart.
    const shopper = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const shop = await shopper.newPage();
    await shop.goto("/p/fjord-wool-beanie");
    expect(await shop.getByRole("heading", { level: 1 }).innerText()).toBe("Fjord Wool Beanie");
    const detail = await (await shop.request.get("/api/products/fjord-wool-beanie")).json();
    expect(detail.variants.map((v: { sku: string; stockStatus: string }) => [v.sku, v.stockStatus])).toEqual([
      ["FJORD-NAVY", "low_stock"],
      ["FJORD-RUST", "in_stock"],
    ]);
    // Choose once the variant picker is hydrated (Astro drops the island's `ssr` attribute then). Other islands, such as
    // the wishlist buttons of cards below the fold, hydrate only when scrolled into view.
    await shop.waitForFunction(() =>
      [...document.querySelectorAll('astro-island[component-url*="VariantPicker"]')].every((island) => !island.hasAttribute("ssr")),
    );
    await expect.poll(() => shop.getByRole("radio", { name: "Rust" }).isEnabled()).toBe(true);
    await shop.getByRole("radio", { name: "Rust" }).check();
    await expect.poll(() => shop.locator(".buy-box, main").first().innerText()).toContain("$26.50");
    await shop.getByRole("button", { name: "Add to cart" }).first().click();
    await expect.poll(() => shop.locator("[data-cart-count]").first().innerText()).toBe("1");
    await screenshot(shop, "admin-created-product-storefront");

    // The server's page cache (X-Cache, docs/caching.md) holds the product page; a save moves the catalog
    // version on, so the next request renders the new price. (A browser that already has the page keeps it up to its max-age=30.)
    const anonContext = await browser.newContext({ baseURL: store.baseUrl });
    await anonContext.request.get("/p/fjord-wool-beanie");
    const cached = await anonContext.request.get("/p/fjord-wool-beanie");
    expect(cached.headers()["x-cache"]).toBe("hit");
    expect(await cached.text()).toContain("$24.00");
    await page.goto(productUrl);
    await page.getByLabel("Variant 1 Price").fill("19.00");
    // A picture uploaded in the editor is stored and added to the product's images.
    await page.setInputFiles("#field-upload", { name: "beanie.png", mimeType: "image/png", buffer: Buffer.from(PNG_1X1, "base64") });
    await page.getByRole("button", { name: "Save changes" }).last().click();
    await page.waitForURL(/\?saved=updated$/);
    const fresh = await anonContext.request.get("/p/fjord-wool-beanie");
    expect(fresh.headers()["x-cache"]).toBe("miss");
    expect(await fresh.text()).toContain("$19.00");
    const anon = await anonContext.newPage();
    await anon.goto("/p/fjord-wool-beanie");
    expect(await anon.locator("main").innerText()).toContain("$19.00");
    const edited = await (await anon.request.get("/api/products/fjord-wool-beanie")).json();
    expect(edited.priceRange.min.amount).toBe(1900);
    expect(edited.images[0].url).toMatch(/^\/media\/uploads\/[0-9a-f]{64}\.png$/);
    const picture = await anon.request.get(edited.images[0].url);
    expect(picture.headers()["content-type"]).toBe("image/png");

    // The list finds it by SKU; bulk archive asks first, then hides it from the store.
    await page.goto("/admin/products?q=FJORD-RUST");
    expect(await page.locator(".admin-product-table tbody tr").count()).toBe(1);
    await page.getByLabel("Select Fjord Wool Beanie").check();
    await page.getByLabel("With the selected products").selectOption("archived");
    await page.getByRole("button", { name: "Apply…" }).click();
    await page.getByRole("heading", { name: "Archive 1 product?" }).waitFor();
    await page.getByRole("button", { name: "Yes, archive 1" }).click();
    await expect.poll(() => page.getByRole("status").first().innerText()).toContain("Done for 1 product");
    expect((await anon.request.get("/api/products/fjord-wool-beanie")).status()).toBe(404);
    await context.close();
    await shopper.close();
  }, 120_000);

  it("imports a CSV with a dry run that lists row errors, and edits the category tree", async () => {
    const { context, page } = await adminPage("desktop");
    const csv = [
      "product_slug,product_name,status,category_slug,sku,price_minor",
      "e2e-mug,E2E Mug,active,nope,E2E-MUG-1,1200",
      "e2e-mug,,,,E2E-MUG-2,twelve",
    ].join("\r\n");
    await page.setInputFiles("#import-file", { name: "mugs.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Check file" }).click();
    const result = page.locator("#import-result");
    await expect.poll(() => result.innerText()).toContain("problems found");
    expect(await result.locator("tbody tr").count()).toBe(2);
    await screenshot(page, "admin-products-import-errors");

    await page.goto("/admin/categories");
    await page.getByLabel("Name", { exact: true }).first().fill("E2E Seasonal");
    await page.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/done=created/);
    expect(await page.getByRole("status").innerText()).toContain("Category created");
    const item = page.locator(`#cat-${new URL(page.url()).searchParams.get("id")}`);
    await item.getByText("Rename").click();
    await item.getByLabel("Name").fill("E2E Seasonal Picks");
    await item.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/done=renamed/);
    expect(await item.locator(".admin-tree-name").innerText()).toContain("E2E Seasonal Picks");
    await screenshot(page, "admin-categories");
    await context.close();
  }, 120_000);

  it("looks right on a phone and refuses anonymous visitors, customers and support staff", async () => {
    const { context, page } = await adminPage("phone");
    await screenshot(page, "admin-products");
    await expectNoSidewaysScroll(page);
    await page.goto("/admin/products/new");
    await screenshot(page, "admin-product-new");
    await expectNoSidewaysScroll(page);
    await page.goto("/admin/categories");
    await screenshot(page, "admin-categories");
    await expectNoSidewaysScroll(page);
    await context.close();
    const anon = await browser.newContext({ baseURL: store.baseUrl });
    const res = await anon.request.get("/admin/products", { maxRedirects: 0 });
    expect([302, 303]).toContain(res.status());
    await anon.close();

    // Support staff get into /admin (orders, customers, emails) but not the catalog pages; customers not at all.
    const email = `support-${Date.now()}@example.test`;
    const password = "saffron kettle 7 quietly";
    const registered = await signUpByApi(store, { email, name: "Sam Support", password }, { "CF-Connecting-IP": "198.51.100.7" });
    expect(registered.status).toBe(201);
    const userId = ((await registered.json()) as { user: { id: string } }).user.id;
    const asCustomer = await signedIn("desktop", { email, password });
    expect((await asCustomer.page.goto("/admin/categories"))?.status()).toBe(403);
    await asCustomer.context.close();
    const { context: adminContext } = await adminPage("desktop");
    const promoted = await adminContext.request.put(`/api/admin/users/${userId}/role`, { data: { role: "support" }, headers: { Origin: store.baseUrl } });
    expect(promoted.status()).toBe(200);
    await adminContext.close();
    const asSupport = await signedIn("desktop", { email, password });
    for (const path of ["/admin/products", "/admin/products/new", "/admin/categories"]) {
      const answer = await asSupport.page.goto(path);
      expect(answer?.status(), path).toBe(403);
    }
    expect((await asSupport.page.goto("/admin/orders"))?.status()).not.toBe(403);
    await asSupport.context.close();
  }, 120_000);
});
