import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInByApi, signInOnPage } from "./staff-sign-in";
import { signUpByApi } from "./sign-up";
import { startStore } from "./store";

// Its own store inside this suite's port range, so its seller and products are its own.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 46;
const ADMIN = { email: "panel-admin@example.test", password: "panel admin passphrase 7" };
const SELLER = { email: "potter@example.test", password: "kiln and wheel passphrase 5", name: "Pia Potter" };
const HANDLE = "pia-pottery";

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
let picture = "";

async function api(path: string, token: string, body?: unknown, method = body === undefined ? "GET" : "POST") {
  const res = await fetch(`${store.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}
const tokenOf = async (res: Response) => ((await res.json()) as { accessToken: string }).accessToken;

beforeAll(async () => {
  store = await startStore({ port: STORE_PORT, products: 4, admin: ADMIN });
  browser = await launchBrowser();
  // An approved seller, the way one becomes one: registers, applies, and an admin approves.
  const registered = await signUpByApi(store, SELLER);
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${await registered.text()}`);
  const seller = await tokenOf(await signInByApi(store.baseUrl, SELLER));
  const applied = await api("/api/vendor-applications", seller, {
    name: "Pia's Pottery",
    handle: HANDLE,
    contactEmail: SELLER.email,
    country: "US",
    description: "Wheel-thrown stoneware mugs and bowls from a small studio.",
  });
  const admin = await tokenOf(await signInByApi(store.baseUrl, ADMIN));
  await api(`/api/admin/vendors/${applied.id}/approve`, admin, {});
  // A picture by address: one the store already shows (a path on this site).
  const listing = (await (await fetch(`${store.baseUrl}/api/products?perPage=1`)).json()) as { items: { image: { url: string } | null }[] };
  picture = listing.items[0]?.image?.url ?? "";
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function signedInSeller(viewport: (typeof VIEWPORTS)[keyof typeof VIEWPORTS], returnTo: string): Promise<Page> {
  const context = await browser.newContext({ viewport, ...(viewport === VIEWPORTS.phone ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  await page.goto(`${store.baseUrl}/account/login?returnTo=${encodeURIComponent(returnTo)}`);
  await signInOnPage(page, SELLER);
  await page.waitForURL(new RegExp(`${returnTo.replace(/\//g, "\\/")}$`));
  return page;
}

describe("a seller's catalog in /vendor", () => {
  it("the approved seller creates a product with stock on a phone; it is on their storefront and its page says who sells it", async () => {
    const phone = await signedInSeller(VIEWPORTS.phone, "/vendor/products");
    expect(await phone.getByRole("heading", { level: 1 }).textContent()).toBe("Products");
    expect(await phone.getByRole("status").textContent()).toContain("No products yet");
    await screenshot(phone, "vendor-products-empty");

    await phone.getByRole("link", { name: "New product" }).click();
    await phone.waitForURL(/\/vendor\/products\/new$/);
    // Saved without a price, the form names the field and keeps what was typed.
    await phone.getByLabel("Name", { exact: true }).fill("Speckled stoneware mug");
    await phone.getByLabel("Status").selectOption("active");
    await phone.getByLabel("Category").selectOption({ index: 1 });
    await phone.getByLabel("Description", { exact: true }).fill("A 350 ml mug with a speckled glaze, thrown on the wheel.");
    await phone.getByLabel("SKU").fill("PIA-MUG-1");
    await phone.getByLabel("Opening stock").fill("7");
    await phone.getByRole("textbox", { name: /^Pictures/ }).fill(`${picture} | The mug`);
    await phone.getByRole("button", { name: "Create product" }).click();
    await expect.poll(() => phone.getByRole("alert").textContent()).toContain("Variant 1, Price");
    expect(await phone.getByLabel("Name", { exact: true }).inputValue()).toBe("Speckled stoneware mug");
    await phone.getByLabel(/^Price/).fill("24.00");
    await screenshot(phone, "vendor-product-form");
    await phone.getByRole("button", { name: "Create product" }).click();
    await phone.waitForURL(/\/vendor\/products\/prod_[^/?]+\?saved=created$/);
    expect(await phone.getByRole("status").textContent()).toBe("Product created.");
    expect(await phone.locator('[data-stock-sku="PIA-MUG-1"] [data-available]').textContent()).toBe("7");

    // Stock through the same ledger as the staff's: three more arrived.
    await phone.getByLabel("Change by (units, − to remove)").fill("3");
    await phone.getByLabel("Reason").fill("Second firing");
    await phone.getByRole("button", { name: "Update stock of PIA-MUG-1" }).click();
    await phone.waitForURL(/saved=stock/);
    expect(await phone.locator('[data-stock-sku="PIA-MUG-1"] [data-available]').textContent()).toBe("10");
    await screenshot(phone, "vendor-product-edit");

    // The list shows it; the storefront lists it; its page says who sells it.
    await phone.goto(`${store.baseUrl}/vendor/products`);
    expect(await phone.locator('tr[data-product="speckled-stoneware-mug"]').textContent()).toContain("10");
    await screenshot(phone, "vendor-products");
    await phone.goto(`${store.baseUrl}/v/${HANDLE}`);
    await expect.poll(() => phone.getByRole("link", { name: "Speckled stoneware mug" }).count()).toBeGreaterThan(0);
    await phone.getByRole("link", { name: "Speckled stoneware mug" }).first().click();
    await phone.waitForURL(/\/p\/speckled-stoneware-mug$/);
    expect(await phone.locator("[data-seller]").textContent()).toBe("Sold by Pia's Pottery");
    await phone.context().close();
  }, 300_000);

  it("the seller edits the storefront in settings at a desk; the storefront shows it", async () => {
    const desk = await signedInSeller(VIEWPORTS.desktop, "/vendor/products");
    await screenshot(desk, "vendor-products");
    await desk.getByRole("link", { name: "New product" }).click();
    await screenshot(desk, "vendor-product-form");
    await desk.getByRole("link", { name: "Settings" }).click();
    await desk.waitForURL(/\/vendor\/settings$/);
    await desk.getByLabel("About your shop").fill("Every piece is fired twice in our studio kiln.");
    await desk.getByLabel("Address line 1").fill("12 Clay Lane");
    await desk.getByRole("button", { name: "Save settings" }).click();
    // A return address needs its name and city too: named in the summary, nothing saved.
    await expect.poll(() => desk.getByRole("alert").textContent()).toContain("Return address: name");
    await desk.getByLabel("Name", { exact: true }).fill("Pia Potter");
    await desk.getByLabel("City").fill("Asheville");
    await desk.getByRole("button", { name: "Save settings" }).click();
    await desk.waitForURL(/saved=1$/);
    await screenshot(desk, "vendor-settings");
    await desk.goto(`${store.baseUrl}/v/${HANDLE}`);
    await expect.poll(() => desk.locator("[data-vendor-storefront]").textContent()).toContain("fired twice");
    await desk.context().close();
  }, 300_000);

  it("the seller uploads a picture file with its description; a file without one, or not a picture, is refused by name; the product page shows it", async () => {
    const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
    const desk = await signedInSeller(VIEWPORTS.desktop, "/vendor/products");
    await desk.getByRole("link", { name: "Speckled stoneware mug" }).first().click();
    await desk.waitForURL(/\/vendor\/products\/prod_[^/?]+$/);
    const self = desk.url();

    await desk.getByLabel("Picture file").setInputFiles({ name: "mug.png", mimeType: "image/png", buffer: PNG });
    await desk.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => desk.getByRole("alert").textContent()).toContain("Description of the uploaded picture");
    // Called a PNG, but its bytes are a page: refused by what it is.
    await desk
      .getByLabel("Picture file")
      .setInputFiles({ name: "sneaky.png", mimeType: "image/png", buffer: Buffer.from("<html><script>alert(1)</script></html>") });
    await desk.getByLabel("Description of the picture").fill("A sneaky file");
    await desk.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => desk.getByRole("alert").textContent()).toContain("Upload a picture: Not a PNG, JPEG, GIF, WebP or AVIF picture");
    expect(await desk.getByRole("textbox", { name: /^Pictures/ }).inputValue()).not.toContain("/media/uploads/");

    await desk.getByLabel("Picture file").setInputFiles({ name: "mug.png", mimeType: "image/png", buffer: PNG });
    await desk.getByLabel("Description of the picture").fill("The mug on a shelf, side view");
    await screenshot(desk, "vendor-product-upload");
    await desk.getByRole("button", { name: "Save changes" }).click();
    await desk.waitForURL(/\?saved=updated$/);
    const pictures = await desk.getByRole("textbox", { name: /^Pictures/ }).inputValue();
    const uploaded = /\/media\/uploads\/[0-9a-f]{64}\.png/.exec(pictures)?.[0];
    expect(uploaded).toBeTruthy();
    expect(pictures).toContain(`${uploaded} | The mug on a shelf, side view`);
    expect((await desk.request.get(`${store.baseUrl}${uploaded}`)).headers()["content-type"]).toBe("image/png");

    await desk.goto(`${store.baseUrl}/p/speckled-stoneware-mug`);
    await expect.poll(() => desk.locator(`img[src="${uploaded}"]`).first().getAttribute("alt")).toBe("The mug on a shelf, side view");
    const phone = await signedInSeller(VIEWPORTS.phone, new URL(self).pathname);
    await screenshot(phone, "vendor-product-upload");
    await phone.context().close();
    await desk.context().close();
  }, 300_000);
});
