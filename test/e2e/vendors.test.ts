import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { waitForEmail } from "./outbox";
import { signInOnPage } from "./staff-sign-in";
import { signUpByApi } from "./sign-up";
import { startStore } from "./store";

// Its own store inside this suite's port range, so its vendors and accounts are its own.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 44;
const ADMIN = { email: "market-admin@example.test", password: "marketplace admin passphrase 9" };
const SELLER = { email: "maker@example.test", password: "workshop owner passphrase 4", name: "Mara Maker" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
beforeAll(async () => {
  store = await startStore({ port: STORE_PORT, products: 4, admin: ADMIN });
  browser = await launchBrowser();
  const res = await signUpByApi(store, SELLER);
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

describe("selling on the marketplace", () => {
  it("a user applies at /sell on a phone; an admin approves at a desk; the seller signs in again and is active", async () => {
    const sellerContext = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true });
    const adminContext = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const phone = await sellerContext.newPage();
    const desk = await adminContext.newPage();

    // Signed out, /sell asks to sign in first and brings the person back.
    await phone.goto(`${store.baseUrl}/sell`);
    await phone.getByRole("link", { name: "Sign in to apply" }).click();
    await signInOnPage(phone, SELLER);
    await phone.waitForURL(/\/sell$/);

    // A bad handle is named next to its field; the form keeps what was typed.
    await phone.getByLabel("Business name").fill("Oak & Iron");
    await phone.getByLabel("Store address").fill("Oak & Iron");
    await phone.getByLabel("Contact phone").fill("+1 555 0100");
    await phone.getByLabel("Country").selectOption("US");
    await phone.getByLabel("What you sell").fill("Hand-made oak furniture and iron fittings from a small workshop.");
    await screenshot(phone, "vendors-sell-form-phone");
    await phone.getByRole("button", { name: "Send application" }).click();
    await expect.poll(() => phone.getByRole("alert").textContent()).toContain("Store address");
    expect(await phone.getByLabel("Business name").inputValue()).toBe("Oak & Iron");
    await phone.getByLabel("Store address").fill("oak-and-iron");
    await phone.getByRole("button", { name: "Send application" }).click();
    await expect.poll(() => phone.getByRole("status").textContent()).toContain("Your application is in");
    expect(await phone.locator("[data-vendor-status]").getAttribute("data-vendor-status")).toBe("pending");
    await screenshot(phone, "vendors-sell-pending-phone");
    await waitForEmail(store.persist, SELLER.email, "vendor_update");

    // The admin finds the application among the pending ones and approves it.
    await desk.goto(`${store.baseUrl}/account/login?returnTo=/admin/vendors`);
    await signInOnPage(desk, ADMIN);
    await desk.goto(`${store.baseUrl}/admin/vendors`);
    await desk.getByLabel("Status").selectOption("pending");
    await desk.getByRole("button", { name: "Filter" }).click();
    await desk.getByRole("link", { name: "Oak & Iron" }).click();
    await screenshot(desk, "vendors-admin-application");
    await desk.getByRole("button", { name: "Approve" }).click();
    await desk.waitForURL(/done=approve/);
    expect(await desk.getByTestId("vendor-status").textContent()).toBe("active");
    await screenshot(desk, "vendors-admin-approved");

    const vendorId = new URL(desk.url()).pathname.split("/").at(-1) as string;

    await desk.goto(`${store.baseUrl}/admin/vendors?status=active`);
    expect(await desk.locator("tbody tr", { hasText: "Oak & Iron" }).count()).toBe(1);

    // The admin puts one product under the new seller (the product form's vendor field).
    const products = (await (await desk.request.get(`${store.baseUrl}/api/admin/products?perPage=1`)).json()) as { items: { id: string; name: string }[] };
    const product = products.items[0] as { id: string; name: string };
    await desk.goto(`${store.baseUrl}/admin/products/${product.id}`);
    await desk.getByLabel("Vendor id").fill(vendorId);
    await desk.getByRole("button", { name: "Save changes" }).click();
    await desk.waitForURL(/\?saved=updated$/);

    // The approval ended the seller's session (their role changed); signing in again shows them active.
    await phone.goto(`${store.baseUrl}/account/login?returnTo=/sell`);
    await signInOnPage(phone, SELLER);
    await phone.goto(`${store.baseUrl}/sell`);
    expect(await phone.locator("[data-vendor-status]").getAttribute("data-vendor-status")).toBe("active");
    expect(await phone.getByRole("link", { name: "Open your seller panel" }).count()).toBe(1);
    const me = await phone.evaluate(async () => (await (await fetch("/api/me")).json()) as { role: string });
    expect(me.role).toBe("vendor");

    await screenshot(phone, "vendors-sell-active-phone");

    // The seller section opens on an overview; the storefront lists the seller's product for anyone.
    await phone.getByRole("link", { name: "Open your seller panel" }).click();
    await phone.waitForURL(/\/vendor$/);
    expect(await phone.getByRole("heading", { level: 1 }).textContent()).toBe("Overview");
    expect(await phone.locator("[data-orders-to-ship]").getAttribute("data-orders-to-ship")).toBe("0");
    await screenshot(phone, "vendors-overview-phone");
    await phone.getByRole("link", { name: "/v/oak-and-iron" }).click();
    await phone.waitForURL(/\/v\/oak-and-iron$/);
    expect(await phone.getByRole("heading", { level: 1 }).textContent()).toBe("Oak & Iron");
    await expect.poll(() => phone.getByRole("link", { name: product.name }).count()).toBeGreaterThan(0);
    await screenshot(phone, "vendors-storefront-phone");
    // The product page names its seller and links back to the storefront.
    await phone.getByRole("link", { name: product.name }).first().click();
    await phone.waitForURL(/\/p\//);
    expect(await phone.locator("[data-seller]").textContent()).toBe("Sold by Oak & Iron");
    await desk.goto(`${store.baseUrl}/v/oak-and-iron`);
    await screenshot(desk, "vendors-storefront-desktop");
    // On the seller's own storefront the cards do not repeat the seller.
    expect(await desk.locator("[data-card-seller]").count()).toBe(0);

    // Search results name the seller on its product's card (and nothing on the store's own), with a link of its
    // own beside the card's one link to the product; the seller link opens the storefront.
    for (const page of [desk, phone]) {
      await page.goto(`${store.baseUrl}/search`);
      const cards = page.locator("article.card");
      expect(await cards.count()).toBe(4);
      const sold = cards.filter({ has: page.locator("[data-card-seller]") });
      expect(await sold.count()).toBe(1);
      expect((await sold.locator("[data-card-seller]").textContent())?.replace(/\s+/g, " ").trim()).toBe("Sold by Oak & Iron");
      expect(await sold.getByRole("link", { name: product.name, exact: true }).getAttribute("href")).toMatch(/^\/p\//);
      expect(await sold.getByRole("link").count()).toBe(2);
      expect(await sold.locator("a a").count()).toBe(0);
      await sold.scrollIntoViewIfNeeded();
      await screenshot(page, "vendors-search-cards");
    }
    // The Seller filter is labelled with the seller's name (its value stays the vendor id), and so is its chip.
    const sellerFilter = desk.getByRole("group", { name: "Seller" }).getByRole("checkbox", { name: /Oak & Iron/ });
    expect(await sellerFilter.getAttribute("value")).toBe(vendorId);
    await desk.goto(`${store.baseUrl}/search?vendor=${vendorId}`);
    expect(await desk.getByRole("link", { name: /Seller Oak & Iron/ }).count()).toBe(1);
    await phone.locator("article.card").getByRole("link", { name: "Oak & Iron" }).click();
    await phone.waitForURL(/\/v\/oak-and-iron$/);
    // A seller that is not active has no storefront.
    expect((await desk.request.get(`${store.baseUrl}/v/no-such-seller`)).status()).toBe(404);

    // The same page at desk width: the admin has no application, so it shows the form.
    await desk.goto(`${store.baseUrl}/sell`);
    await screenshot(desk, "vendors-sell-form-desktop");
    await sellerContext.close();
    await adminContext.close();
    // Two browsers, a store and several sign-ins on a shared machine.
  }, 300_000);
});
